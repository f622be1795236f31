from bench.cost.cost import main

main()
