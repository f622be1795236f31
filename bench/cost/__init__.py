"""`make cost`: the cost per 1,000 call-minutes from measured capacity, measured request counts and list prices."""
