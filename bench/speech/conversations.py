"""The wordings the dev and test calls are built from: for each part of a contact-center call (greeting,
verification, the caller's issue, a policy the agent explains, resolution, closing), many ways to say it.

Each block is a few script lines (the format of bench/speech/scripts.py) with {slots} from
details.draw_details and {brand}. In every list the even-numbered blocks (0, 2, 4, ...) belong to the dev set
and the odd-numbered ones to the test set, so the two sets share no sentence; bench/speech/dialogue.py checks
that no utterance of more than two words is in both. Lines of a "policy" block run over 15 seconds on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

GREETINGS = [
    "A: Thank you for calling {brand}, my name is {agent}. How can I help you today?",
    "A: Good morning, you've reached {brand}. This is {agent} speaking, how may I help?",
    "A: Hi, thanks for holding. This is {agent} at {brand}. What can I do for you?",
    "A: {brand}, this is {agent}. Who do I have the pleasure of speaking with today?",
    "A: Thanks for calling {brand}. Just so you know, this call may be recorded for quality and training. "
    "My name's {agent}, how can I help?",
    "A: Hello and welcome to {brand}. You're speaking with {agent}. What brings you in today?",
    "A: Good afternoon, {brand} customer care, {agent} here. How can I help you?",
    "A: Hi there, you're through to {brand}. My name is {agent}, and I'll be looking after you today.",
    "A: Thank you for your patience, and welcome to {brand}. I'm {agent}. What's the reason for your call?",
    "A: Hello, {brand} support, this is {agent}. Before we start, this call is recorded. What can I help with?",
    "A: Good evening, thank you for calling {brand}. I'm {agent}, who am I speaking with?",
    "A: Hey, thanks for calling {brand}, it's {agent}. What's going on today?",
]

# Verification, by what is checked. Each kind has its own dev and test wordings.
VERIFICATIONS: dict[str, list[str]] = {
    "name": [
        """
A: Can I start with your first and last name, please?
C: Sure, it's {customer}.
A: Thank you. And could you spell the last name for me?
C: Yes, that's {spelled}.
""",
        """
A: Who am I speaking with today?
C: My name is {customer}.
A: Thanks, {first}. Can I get the spelling of your surname?
C: Of course. {spelled}.
""",
        """
A: First, may I have the account holder's full name?
C: Yeah, um, {customer}.
A: And how do you spell {last}?
C: It's {spelled}.
A: Perfect, thank you.
""",
        """
A: Could I get your name, please?
C: It's {customer}. Do you need me to spell it?
A: Yes please, just the last name.
C: Okay, {spelled}.
A: Great, I've got it.
""",
    ],
    "phone": [
        """
A: What's the best phone number on the account?
C: That would be {phone}.
A: Thank you, that matches what I have.
""",
        """
A: Can you confirm the telephone number we have on file?
C: Uh, it should be {phone}.
A: Lovely, that's the one.
""",
        """
A: And the mobile number linked to the account?
C: It's {phone}. Actually, wait, yes, {phone}.
A: Got it, thanks.
""",
        """
A: Now I just need the contact number on your profile.
C: Sure. {phone}.
A: Thanks, it's a match.
""",
    ],
    "address": [
        """
A: Could you please confirm the billing address, including the ZIP code?
C: Yes, it's {street}, {unit}, {city}, {state}, {zip}.
A: Thank you.
""",
        """
A: What's the home address on the account?
C: {street}, in {city}. The ZIP is {zip}.
A: And is there an apartment or unit number?
C: Yes, {unit}.
""",
        """
A: Please tell me the street address and the ZIP code where your statements go.
C: Um, so that's {street}, {city}, and the ZIP code is {zip}.
A: That's correct, thank you.
""",
        """
A: Can I have the postal address we'd send mail to?
C: It's {street}, {unit}, {city}, {zip}.
A: Okay, I see that here.
""",
    ],
    "dob": [
        """
A: And for security, what's your date of birth?
C: It's {birthday}.
A: Thank you for confirming.
""",
        """
A: Can you verify your birthday for me, please?
C: Sure, I was born {birthday}.
A: Great, that's verified.
""",
        """
A: I'll also need your date of birth.
C: {birthday}.
A: Thanks, that all checks out.
""",
        """
A: What date of birth do we have for you?
C: Uh, it's, um, {birthday}.
A: Perfect, you're verified.
""",
    ],
    "email": [
        """
A: What's the email address on your account?
C: It's {email}.
A: Thank you, I've found you.
""",
        """
A: Could you read me the email you registered with?
C: Sure. {email}.
A: Alright, I see it.
""",
        """
A: Which email address do you use with us?
C: Um, I think it's {email}.
A: Yes, that's the one on file.
""",
        """
A: And the e-mail we have for you, can you say that for me?
C: Yeah, it's {email}, all lowercase.
A: Good, that's a match.
""",
    ],
    "account": [
        """
A: Do you have your account number handy?
C: Yes, it's {account}.
A: Thank you, let me pull that up.
""",
        """
A: Could I get the account number, please? It's on the top of your statement.
C: Hang on. Okay, it's {account}.
A: Thanks, I have your account open.
""",
        """
A: What's the account number you're calling about?
C: So it's {account}.
A: Great, I've got it in front of me.
""",
        """
A: Can you read out your customer number for me?
C: Sure, it's {account}. I hope that's the right one.
A: Yes, that's the right one, thanks.
""",
    ],
    "card": [
        """
A: Can you give me the last four digits of the card?
C: It ends in {card_last4}.
A: Thank you.
""",
        """
A: Which card is this about? Just the last four digits is fine.
C: The one ending {card_last4}.
A: Okay, I see it.
""",
        """
A: What are the last four numbers on the card, please?
C: Um, {card_last4}.
A: Thanks, that's the card I'm looking at.
""",
        """
A: And the final four digits of the card on the account?
C: They're {card_last4}.
A: Lovely, thank you.
""",
    ],
    "pin": [
        """
A: For security, please enter your four digit PIN on your keypad now.
KEYS: {pin_keys}
A: Thank you, that's verified.
""",
        """
A: I'm going to ask you to key in your PIN. Go ahead whenever you're ready.
C: Okay, one second.
KEYS: {pin_keys}
A: Got it, you're all set.
""",
        """
A: Could you type your security PIN on the phone's keypad?
KEYS: {pin_keys}
A: Thanks, the system has accepted it.
""",
        """
A: Please use your keypad to enter the PIN for the account.
C: Sure.
KEYS: {pin_keys}
A: That went through, thank you.
""",
    ],
}

LOOKUPS = [
    """
A: Give me just a moment while I look into that.
PAUSE
A: Okay, thanks for waiting.
""",
    """
A: Let me check a few things on my end. It'll take a minute or two, so I'll put you on a brief hold.
C: That's fine.
HOLD
A: Thank you for holding, I appreciate your patience.
""",
    """
A: Bear with me, the system's a little slow today.
PAUSE
A: Right, here we go.
""",
    """
A: I'm going to place you on hold while I review the account, is that okay?
C: Sure, go ahead.
HOLD
A: Hi, I'm back. Sorry that took a while.
""",
    """
A: One second, I'm just pulling up your history.
C: Mm-hmm.
PAUSE
A: Okay, I see what happened.
""",
    """
A: Let me just open that up. Okay, it's loading.
PAUSE
A: Alright, I have everything now.
""",
]

EXTRAS = [
    """
A: Is there anything else I can help you with while I have you?
C: Actually, yes. Can you switch me to paperless statements?
A: Absolutely. They'll go to {email} from now on.
C: Perfect, thanks.
""",
    """
A: Anything else on the account today?
C: Um, one more thing. Could you update my phone number? I got a new one. It's {phone}.
A: Sure, I've updated it. We'll text a confirmation to that number.
""",
    """
A: Before you go, is there anything else you need?
C: Yes, could you tell me when my next bill is due?
A: Of course. Your next payment is due on {date2}.
C: Okay, good to know.
""",
    """
A: Can I help with anything else today?
C: Oh, actually, I'd like to sign up for text alerts.
A: Sure thing. I've turned them on, so you'll get a message for every payment.
C: Great.
""",
    """
A: Is there something else I can look at for you?
C: Yeah. My address is changing next month. Can I update it now?
A: You can. What's the new address?
C: It's {street}, {city}, {zip}.
A: Thank you, it'll switch over on {date2}.
""",
    """
A: While I have you, do you need anything else?
C: Uh, yes. I keep getting two copies of every letter.
A: I see a duplicate mailing address on the account. I've removed it, so that'll stop.
C: Oh, thank you, that's been bugging me.
""",
    """
A: Is there anything more I can do for you today?
C: Yes, I'd like to change the card for my automatic payments.
A: No problem. Go ahead with the new card number.
C: Okay, it's {card}.
A: Thank you, and the expiry date?
C: Oh nine, twenty nine.
A: That's saved. The next payment will come from the new card.
""",
    """
A: Can I help you with anything else?
C: Actually, could I pay off the balance now, while you're there?
A: Of course. The balance is {amount2}. Which card would you like to use?
C: The number is {card}.
A: Thanks, the payment has gone through.
""",
]

CLOSINGS = [
    """
C: No, that's everything. Thanks for your help.
A: You're very welcome, {first}. Have a great day.
C: You too, bye.
""",
    """
C: I think that covers it. I really appreciate it.
A: My pleasure. Thank you for calling {brand}, and take care.
""",
    """
C: Nope, that's all for today.
A: Alright. You may get a short survey after the call. Thanks again, and goodbye.
C: Bye now.
""",
    """
C: That's it, you've been super helpful.
A: Glad I could help. Enjoy the rest of your day.
C: Thanks, you too.
""",
    """
C: No, I'm good. Thanks so much.
A: Thank you for being a {brand} customer. Goodbye.
""",
    """
C: That's all I needed. Thank you, {agent}.
A: You're welcome. If anything else comes up, just give us a call.
C: Will do. Bye.
""",
    """
C: No, that's it. Have a good one.
A: You as well, {first}. Goodbye.
""",
    """
C: Um, no, I think we're done. Thanks a lot.
A: Anytime. Thanks for calling, and have a lovely evening.
C: Bye bye.
""",
]


@dataclass(frozen=True)
class Scenario:
    name: str
    brands: tuple[str, ...]
    verify: tuple[str, ...]  # the verification kinds that suit this business (two or three are asked)
    openings: tuple[str, ...]  # the caller says why they are calling
    issues: tuple[str, ...]  # the conversation about it; each call has two of these
    policies: tuple[str, ...]  # the agent explains a rule at length (over 15 s)
    resolutions: tuple[str, ...]


SCENARIOS = [
    Scenario(
        "card-lost",
        ("Woodgrove Bank", "Contoso Credit Union"),
        ("name", "dob", "phone", "card", "address", "pin"),
        (
            """
C: Hi. Um, I think I lost my debit card. I had it yesterday and now it's just gone.
A: I'm sorry to hear that. Let's get it blocked right away.
""",
            """
C: Hi, I, I can't find my card anywhere and I'm a bit worried someone's using it.
A: Okay, don't worry, we'll take care of that together.
""",
        ),
        (
            """
A: I've put a block on the card ending {card_last4}. Nobody can use it from now on.
C: Okay, good. Can you see if anything was charged after yesterday?
A: There's one pending charge of {amount} at a gas station this morning. Was that you?
C: No, definitely not. I was at home.
A: Then I'll mark it as fraud and you won't be responsible for it.
""",
            """
A: The card's been cancelled. I'm ordering a replacement to the address on file.
C: How long will that take? I'm traveling on {weekday}.
A: Standard delivery is five to seven business days, but I can send it express for free. It should arrive by {date}.
C: Oh, express please. That would be great.
""",
            """
A: Do you have any automatic payments on this card, like subscriptions or bills?
C: Uh, yeah, my phone bill and, um, a gym membership, I think.
A: Those will fail on the old number, so you'll need to give them the new card when it arrives.
C: Okay, I'll make a note of that.
""",
            """
A: Would you like a temporary virtual card in the mobile app until the new one arrives?
C: Oh, I didn't know you could do that. Yes please.
A: Done. Open the app and you'll see it under cards. It works for online shopping and tap to pay.
C: Great, I can see it now.
""",
            """
A: For the new card, do you want to keep the same PIN?
C: No, let's change it. I, I think I kept the old one on a note next to the card, which wasn't smart.
A: That's no problem. You'll set a new PIN the first time you use the card at one of our machines.
C: Got it.
""",
        ),
        (
            """
A: Just so you know how this works: once a card is reported lost, it's cancelled for good, so even if it turns up
in a coat pocket tomorrow, it won't work again. Any charges you didn't make are covered under our zero liability
policy, as long as they happened after you first noticed the card was missing, and you tell us within sixty days.
We'll send a claim form by email, and most cases are closed within ten business days.
C: Okay, that makes sense.
""",
            """
A: So, about the replacement card. It will have a new number and a new security code, but the same expiry month.
You'll need to activate it in the app or by calling the number on the sticker, and until you do, it'll be declined.
Your rewards points and your statement history stay exactly as they are, because they belong to the account, not
to the plastic card itself. If it hasn't arrived in ten days, call us and we'll trace it.
C: Great, that's really clear.
""",
        ),
        (
            """
A: So to recap, the old card is blocked, your new card arrives by {date}, and I've noted everything on the account.
C: Perfect. Thank you for sorting it so quickly.
""",
            """
A: Alright, the card is cancelled, the replacement is on its way, and you'll get a confirmation at {email}.
C: Thanks. That's a weight off my mind.
""",
        ),
    ),
    Scenario(
        "card-stolen",
        ("Woodgrove Bank", "Contoso Credit Union"),
        ("name", "dob", "phone", "address", "account"),
        (
            """
C: Hello, yes, my wallet was stolen this morning, and my credit card was in it.
A: Oh no, I'm sorry. I'll help you secure the account straight away.
""",
            """
C: Yeah, hi. Somebody took my purse on the train, so I need to cancel my cards.
A: That sounds stressful. I can cancel them for you now.
""",
        ),
        (
            """
A: Looking at recent activity, I see a purchase of {amount2} at a coffee shop and one of {amount} online.
C: The coffee was me. The online one, no, I've never shopped there.
A: Understood. I'm disputing the online purchase now. You'll see a temporary credit within {days} business days.
C>: Sorry, so the money comes back to my account?
A: Yes, it's credited back while we investigate.
""",
            """
A: I can see a withdrawal at a cash machine on {date} for {amount}. Do you recognize that one?
C: Hmm, no. No, I didn't take out any cash that day.
A: Alright, I'm flagging it for our fraud team. They may call you at {phone} within two days.
C: Okay. Should I file a police report too?
A: It's a good idea, and it can help with the claim, but it's not required.
""",
            """
A: I've frozen the card and the linked savings account, just to be safe.
C>: Wait, can I still pay my rent? It's due on {date}.
A: Yes, transfers from the main checking account still work. Only card payments are stopped.
C: Phew, okay. That's a relief.
""",
            """
A: I also see that someone tried to change the email on your online banking about an hour ago.
C: What? That wasn't me.
A: The change was stopped, because it needed a code we sent to {phone}. I'm resetting your online login now.
C: Thank you. That's really scary.
""",
            """
A: Were there any other cards from us in the wallet?
C: Um, yes, my savings card too, I think.
A: I see it, the one ending {card_last4}. I've blocked that one as well.
C: Good, thank you.
""",
        ),
        (
            """
A: Let me explain what happens next. Our fraud team reviews every disputed charge, and while they do, the amount
is credited back to your account as a provisional credit. If the merchant shows that the purchase was made with
your card and your PIN, the credit can be reversed, but we would always write to you first and explain why. The
whole review normally takes up to forty five days, though most are finished much sooner than that.
C: Mm-hmm. Alright, thanks for explaining.
""",
            """
A: One thing I should mention: because the card was stolen rather than lost, we also recommend changing your
online banking password and checking that your phone number and email on the account are still yours. Fraudsters
sometimes try to change contact details so our alerts go to them instead of you. If you get a call claiming to be
from us and asking for your PIN or a code we texted you, hang up, because we will never ask for those.
C: Wow, okay. I'll change the password tonight.
""",
        ),
        (
            """
A: I've made a note of everything. Your case number is {claim}, in case you need to call back.
C: Let me write that down. {claim}. Got it.
""",
            """
A: Everything's in place. The fraud team has your number, {phone}, and the new card ships today.
C: That's brilliant, thank you.
""",
        ),
    ),
    Scenario(
        "mobile-bill",
        ("Northwind Mobile", "Litware Wireless"),
        ("name", "phone", "account", "pin", "email"),
        (
            """
C: Hi. My bill this month is way higher than normal, and I don't understand why.
A: I'm sorry about that. Let's go through it together.
""",
            """
C: Hello, um, my phone bill this month is almost double what I usually pay.
A: Okay, I'll go through the charges with you line by line.
""",
        ),
        (
            """
A: I see the bill came to {amount} this month. Most of that is international roaming from {date}.
C: Oh. I was in Canada for a weekend. I thought that was included.
A: Canada is included on the premium plan, but you're on the basic plan, so it charges by the day.
C: Ugh. Is there anything you can do?
A: I can add the travel pass retroactively, which brings it down to {amount2}.
""",
            """
A: I see two payments of {price} on {date}. The second one is a duplicate.
C: Oh, I didn't even notice that.
A: I've refunded the extra payment. It'll be back on your card ending {card_last4} in {days} business days.
C: Okay, and this won't happen again next month?
A: The autopay was set up twice, so I've removed the second one.
""",
            """
A: There's also a charge for a premium text service, about {amount2} a month.
C: What? I never signed up for anything like that.
A: It's sometimes added by tapping an ad on a game. I've blocked premium texts and refunded the last two months.
C: Wow, thanks. How do I stop that happening again?
A: The block stays on the line, so those services can't charge you at all.
""",
            """
A: There's a line on your account I don't think you're using. It's a tablet that hasn't connected since {date}.
C: Oh yeah, that's my son's old tablet. It broke ages ago.
A: Would you like me to cancel that line? It's costing you {price} a month.
C>: Yes, please, cancel it right now.
A: Done. You won't be charged for it from the next bill on.
""",
            """
A: There's a late fee of {amount2} as well. The payment came in on {date}, a day after it was due.
C>: But the app said I had until the end of the day.
A: I understand, and since you've never been late before, I've removed the fee.
C: Thank you, I appreciate that.
""",
        ),
        (
            """
A: Let me explain how refunds work with us, because it can be confusing. A refund goes back to the same card or
bank account the money came from, and we can't send it anywhere else, even if that card has since expired. It
normally shows up within three to five business days, but some banks hold it for up to ten. If you don't see it
by then, call us with the reference number and we'll send your bank proof of the refund.
C: Okay. Good to know.
""",
            """
A: Let me explain how the bill is put together, because it trips a lot of people up. The first page shows the
total, but the plan itself is only one part of it. Below that you'll find one time charges, like roaming days or a
new SIM card, then taxes and regulatory fees, which change from state to state, and finally any device payments.
Anything marked pending belongs to the next bill, not this one, so it isn't part of the total you're paying now.
C: Oh, I never looked past the first page, to be honest.
""",
        ),
        (
            """
A: So, you've got a credit of {amount2} on the account, and your next bill will be about {price}.
C: That's much better. Thank you so much for your help.
""",
            """
A: I've noted the account, so if anyone asks about this later, they'll see what we agreed today.
C: Perfect. That's what I was hoping for.
""",
        ),
    ),
    Scenario(
        "mobile-plan",
        ("Northwind Mobile", "Litware Wireless"),
        ("name", "phone", "pin", "email", "dob"),
        (
            """
C: Hey. I want to change my plan. I'm paying for way more data than I use.
A: Sure, I can help you find something that fits better.
""",
            """
C: Hi, I'd like to go over my plan. I think there might be a cheaper option for me.
A: Of course. Let's look at how you use your phone first.
""",
        ),
        (
            """
A: Over the last three months, you've used about four gigabytes a month on average.
C: That's it? I'm paying for unlimited.
A: Right. The ten gigabyte plan is {price} a month, which would save you quite a bit.
C: Hmm, what happens if I go over?
A: You'd slow down to a basic speed, but you wouldn't be charged extra.
""",
            """
A: I notice you're still paying off the phone, {price} a month, with eight payments left.
C: Uh, right. Can I pay that off early?
A: You can. The balance is {amount}, and there's no fee for paying early.
C: Okay, let's do that. But with a different card, please.
A: Sure, go ahead with the card number when you're ready.
C: It's {card}.
""",
            """
A: Your contract ends on {date}, so you're actually due for an upgrade.
C: Oh, really? I've been wanting a new phone.
A: We have a few offers. With a trade in, the newest model starts at {price} a month.
C: Hmm, I'll think about it. Can you email me the details?
A: Sure, I'll send them to {email}.
""",
            """
C: Also, my partner wants to join my account. Can we share a plan?
A: Yes, a second line on the shared plan is {price} a month, and you'd both share the data.
C: And she can keep her number?
A: She can. We'll move it over from her current provider, which takes about a day.
""",
            """
C: Um, does the new plan work abroad? I go to Mexico a couple of times a year.
A: The twenty gigabyte plan includes Mexico and Canada at no extra cost.
C: Oh, nice. That might be worth it then.
A: It's {price} a month, only a few dollars more than the one you're looking at.
""",
        ),
        (
            """
A: I want to make sure you know how the new plan works, so there are no surprises. It starts on your next billing
date, which is {date}, and for this month you'll pay the old price, because plans change at the start of a cycle,
not in the middle. Your first bill after that may look a little odd, because it includes a partial month of each
plan. From then on it's a flat price every month, and any unused data does not roll over to the next one.
C: Okay, that's fine. I'll keep an eye on it.
""",
            """
A: Before I make the change, I have to read you a short disclosure. By moving to this plan, you agree to a new
twelve month term starting today. If you cancel before the twelve months are up, there's an early termination fee
that goes down each month, starting at one hundred twenty dollars. Your phone number, your voicemail and your
contacts stay exactly as they are, and you can upgrade to a bigger plan at any time without a fee.
C: Yes, I understand, and I agree.
""",
            """
A: Just so you're aware of our fair use rules: unlimited data is unlimited at full speed for the first fifty
gigabytes each month. After that, during busy times, your speed might be reduced so the network works for everybody.
It goes back to normal speed on the first day of your next billing cycle. Streaming video is also set to standard
quality by default, but you can turn high definition on in the app at any time, at no extra cost.
C: Oh, I didn't know about the video setting. Thanks.
""",
        ),
        (
            """
A: That's all done. You'll get a text at {phone} confirming the changes in a few minutes.
C: Great, I'll look out for it.
""",
            """
A: To sum up, your new plan starts on {date}, and you'll see the lower price on the bill after that.
C: Brilliant, that's exactly what I needed.
""",
        ),
    ),
    Scenario(
        "internet-outage",
        ("Contoso Broadband", "Fabrikam Fiber"),
        ("name", "address", "account", "phone"),
        (
            """
C: Hi. My internet's been down since last night, and I work from home, so it's kind of urgent.
A: I completely understand. Let's get you back online as quickly as we can.
""",
            """
C: Hello, there's no internet at all in the house. Nothing's connected since this morning.
A: I'm sorry about that. Let me check what's happening on the line.
""",
        ),
        (
            """
A: I'm running a line test now. It looks like your modem hasn't checked in since about two this morning.
C: Yeah, all the lights are off except the power one.
A: Could you unplug the modem, wait thirty seconds, and plug it back in for me?
C: Okay, hold on. Alright, it's back in. The lights are blinking.
A: Give it a minute or two.
PAUSE
C: Now it's solid green. And, yes, the internet's back.
""",
            """
A: There's a known outage in your area, affecting about two hundred homes near {city}.
C: Oh, so it's not just me.
A: No, it's not. A crew is already working on it, and the estimate is about {time}.
C: Okay. Will I get a credit for the time it was down?
A: Yes, outages over four hours get a credit automatically, and I'll add it now.
""",
            """
A: I'm going to reset your connection from our side. It takes about a minute.
C: Okay, go ahead.
PAUSE
A: It's back up. Can you try loading a web page?
C: Um, yes, it's working. And it seems quicker too.
A: Great. The reset cleared an old setting on the line.
""",
            """
A: The line test shows a fault between the street cabinet and your house.
C: So it's not my equipment?
A: No, everything on your side looks fine. I'll book a technician for {weekday}, {date}, starting at {time}.
C: That works. Someone will be home.
""",
            """
C: Is there anything I can do in the meantime? I have meetings all afternoon.
A: I can add unlimited hotspot data to your phone for free until it's fixed.
C>: Oh, that would save me.
A: It's on now. Just turn on the hotspot in your phone's settings.
""",
        ),
        (
            """
A: Let me explain how the technician visit works. The technician will call about {minutes} minutes before they
arrive, and they'll need access to where the line comes into the house, and to the room where your modem sits.
Someone over eighteen has to be home for the whole visit, which usually takes an hour or so. If the fault is on
our side of the line, there's no charge, but if it turns out to be wiring inside the house, a fee may apply.
C: Okay, understood.
""",
            """
A: A quick word about the outage credit. Credits are worked out per day, so for an outage of a day and a half,
you'd get two days of your monthly price back. They appear as a line on your next bill, not as money back on
your card, and they're added automatically once the outage is officially closed. If you were affected for longer
than what the system shows, just call us and we can look at it again.
C: Mm-hmm, that sounds fair.
""",
        ),
        (
            """
A: I've logged everything under ticket number {claim}, so any of my colleagues can pick it up.
C: Okay, {claim}. I've written it down.
""",
            """
A: I've put notes on the account and added a credit of {amount2} for the trouble.
C: That's very kind, thank you.
""",
        ),
    ),
    Scenario(
        "internet-slow",
        ("Contoso Broadband", "Fabrikam Fiber"),
        ("name", "address", "account", "email"),
        (
            """
C: Yeah, hi, my speeds are really slow. I'm paying for fast fiber and getting, like, nothing.
A: I'm sorry about that. We'll run some tests and see where the problem is.
""",
            """
C: Hello. Um, the internet keeps dropping out every few minutes. It's driving me crazy.
A: That does sound frustrating. Let's figure out what's going on.
""",
        ),
        (
            """
A: Is your computer connected by cable or over Wi-Fi?
C: Wi-Fi. My office is upstairs, and the router's in the kitchen.
A: That might be the issue. Walls and floors weaken the signal a lot. When you're next to the router, is it fast?
C: Um, let me check. Yeah, actually, right next to it it's fine.
A: Then a mesh extender would help. We rent them for {price} a month, or you can buy one.
""",
            """
A: I see your router is the old model. It doesn't support the speeds you're paying for.
C: Really? Nobody ever told me that.
A: I'm sorry about that. I can send you a new one for free, and it should arrive by {weekday}.
C: Okay. And what do I do with the old one?
A: There's a prepaid return label in the box. Just drop it off at any post office within thirty days.
""",
            """
A: Have you noticed if the problem happens at a particular time of day?
C: Mostly in the evenings, around eight, when everyone's streaming.
A: That points to congestion on the local network. We're upgrading that area on {date}.
C: Is there anything I can do until then?
A: Plugging the TV in with a cable instead of Wi-Fi will help quite a bit.
""",
            """
A: Are other devices slow too, or is it just one computer?
C: Um, mostly the laptop. My phone seems fine.
A: Could you run a speed test on the phone while you're standing next to the router?
C: Okay, one second. It says about four hundred.
A: Then the line is fine, and the laptop is the bottleneck. A small network adapter would fix that.
""",
            """
A: Your router is on a busy Wi-Fi channel, because a lot of your neighbors use the same one.
C: I didn't even know that was a thing.
A: I've moved it to a quieter channel from here. It'll restart in about a minute.
C: Okay. Yeah, the lights just went off and on again.
""",
        ),
        (
            """
A: So, about the equipment. The modem and the router belong to us, and they're covered by a free replacement
for as long as you have the service. If anything stops working, we send a new one the next business day. When you
cancel or move, you have thirty days to send them back, and if we don't receive them, there's a charge on your
final bill for each piece that's missing. So please do keep the boxes, if you can.
C: Right, I'll keep them somewhere safe.
""",
            """
A: Let me explain the speed you can expect. The speed on your plan is what reaches the modem over a cable. Over
Wi-Fi you'll usually see about half of it, and less through walls and floors, or on older devices, which simply
can't go as fast as the line. When you test it, use a device plugged in with a cable, and close anything that's
downloading, like game updates or cloud backups, otherwise the test measures those as well.
C: Huh, that explains a lot, actually.
""",
        ),
        (
            """
A: I've sent a summary of what we did today to {email}, in case it happens again.
C: Perfect. Hopefully that fixes it for good.
""",
            """
A: I've logged this under ticket {claim}, and I'll check the line again in two days.
C: Okay, thanks for following up.
""",
        ),
    ),
    Scenario(
        "order-late",
        ("Adventure Works", "Fabrikam Home"),
        ("name", "email", "address", "phone"),
        (
            """
C: Hi, I ordered a few things two weeks ago and they still haven't shown up.
A: I'm sorry for the wait. Let me find the order.
""",
            """
C: Hello. My order was supposed to be here on Monday, and it's still not here.
A: I apologize for that. Let's find out where it is.
""",
        ),
        (
            """
A: Do you have the order number? It starts with two letters.
C: Yes, it's {order}.
A: Thanks. I see it shipped on {date}, but the tracking hasn't moved in six days.
C: That's what I saw too.
A: It looks lost in transit. I'll send a replacement today with overnight shipping, at no charge.
""",
            """
A: Can I have the order number from your confirmation email?
C: Sure, it's, uh, {order}.
A: Got it. The tracking says it was delivered on {date}, and left at the front door.
C>: But it wasn't there. I checked everywhere, and I asked my neighbors.
A: I believe you. I'll open a claim with the carrier and send a new one in the meantime.
""",
            """
A: I see two items on the order, a sleeping bag and a camping stove. Are both missing?
C: No, the stove came, just the sleeping bag is missing.
A: It was shipped separately, from a different warehouse. It's out for delivery today.
C: Oh. Well, that explains it.
""",
            """
A: The dining table on the order is back ordered, I'm afraid. The new date is {date2}.
C: That's a month later than I was told. We have people coming over.
A: I understand. I can offer you the same table in walnut, which is in stock, for the same price of {price}.
C>: Oh, I actually like walnut better.
A: Great, I'll switch it, and it can be delivered on {weekday}.
""",
            """
A: It looks like the address on the order is missing the apartment number.
C: Oh no. It should be {unit}.
A: I've added it, and I've asked the carrier to try again tomorrow.
C: Okay, thanks. Sorry, that was my mistake.
""",
        ),
        (
            """
A: Just so you know what to expect with a lost parcel claim. The carrier has up to eight business days to search
for it, and they'll usually ask us for a photo of the delivery location if the tracking says delivered. You don't
need to do anything, because we handle that with them directly. If the original package does turn up at your door,
just let us know, and we'll send you a free return label for it.
C: Okay, thanks, that's helpful.
""",
            """
A: I also want to mention our price protection. If something you bought goes on sale within fourteen days of your
purchase, we refund the difference, but you have to ask for it, because it doesn't happen automatically. The
easiest way is the chat on our website, with your order number. It doesn't apply to clearance items, or to prices
from other stores, but it does include our own holiday sales.
C: Oh, I didn't know that. Good tip.
""",
        ),
        (
            """
A: I'll keep an eye on the order myself, and you'll get tracking updates at {email}.
C: That's great. Thank you for chasing it.
""",
            """
A: Okay, everything's updated. The delivery is now booked for {date2}, and the driver will text you an hour before.
C: Lovely. I'll make sure someone's in.
""",
        ),
    ),
    Scenario(
        "order-return",
        ("Adventure Works", "Fabrikam Home"),
        ("name", "email", "address", "phone"),
        (
            """
C: Hi, um, I'd like to return a jacket. It doesn't fit.
A: Sure, I can help with a return or an exchange.
""",
            """
C: Hello, I bought some hiking boots from you, and they're too small.
A: Sorry to hear that. We can exchange them or refund them, whichever you prefer.
""",
        ),
        (
            """
A: Would you like a refund, or would you like to exchange it for another size?
C: Um, an exchange, I think. One size up.
A: The next size up is in stock in the same color. I'll send it as soon as we scan the return.
C: Can you send it now instead? It's for a trip on {date}.
A: I can. I'll ship it today, and you'll have thirty days to send back the first one.
""",
            """
A: Would you like me to email you a prepaid return label?
C: Yes, please. To {email}.
A: Done. Print it out, tape it to the box, and drop it at any pickup point.
C: And do I pay for the shipping?
A: Not for an exchange. Return shipping is free when you swap a size.
""",
            """
A: When did the order arrive?
C: Um, about three weeks ago, on {date}.
A: Good, you're still inside the thirty day window. Have you worn them outside?
C: Only once, around the house, really.
A: That's fine, as long as the tags are still on.
""",
            """
A: Would you like to drop it at a store instead? It's quicker.
C: Is there one near {city}?
A: Yes, there's one on {street}. They can swap the size on the spot.
C>: Oh, that's easier. I'll go on {weekday}.
""",
            """
C: If I return it instead, how long does the refund take?
A: About three days after it reaches the warehouse, so roughly a week and a half in total.
C: And it goes back to my card?
A: Yes, to the card ending {card_last4}, for the full {price}.
""",
        ),
        (
            """
A: Let me quickly go over our return policy. You have thirty days from delivery to return most items, as long as
they're unused and in the original packaging. Sale items can be exchanged, but not refunded. Once the warehouse
receives your parcel, it takes about three days to check it, and then the refund goes back to your original
payment method. We cover return shipping when we've made a mistake, or when an item arrives damaged.
C: Right, I see. That's fair enough.
""",
            """
A: About exchanges, here's how it works. We reserve the new size for you as soon as I place the exchange, so it
can't sell out while your return is in the post. If the new item costs more, we charge the difference, and if it
costs less, we refund it. An exchange ships for free, but only once, so if the second size doesn't fit either, the
next exchange would be a normal return and a new order.
C: Okay, that makes sense. Let's hope this one fits.
""",
        ),
        (
            """
A: You're all set. The return label's in your inbox, and you'll get an email when we receive the parcel.
C: Perfect. That was easy.
""",
            """
A: I've added a discount code to your account for fifteen percent off your next order, for the trouble.
C: Oh, that's nice of you. Thank you.
""",
        ),
    ),
    Scenario(
        "flight-change",
        ("Tailspin Airways", "Northwind Air"),
        ("name", "email", "phone", "dob"),
        (
            """
C: Hi, I need to change my flight. Something came up at work.
A: Of course. Let's see what we can do.
""",
            """
C: Hello, I'd like to move my flight to a different day, if that's possible.
A: Certainly, let me pull up your booking.
""",
        ),
        (
            """
A: Can I have the booking reference? It's six characters.
C: It's {booking}.
A: Thank you. I see you're flying to Chicago on {date}, leaving at {time}.
C: Right. I'd like to go two days later, if possible.
A: There's a seat on the same flight on that day. The fare difference is {amount}.
C: Okay, that's fine. Go ahead.
A: Which card should I charge it to?
C: Um, a new one. The number is {card}.
""",
            """
A: What's your confirmation code, please?
C: Um, {booking}.
A: I see you're flying to Boston on {date}. Which day would you prefer?
C: The day before, if there's anything in the morning.
A: There's a flight at {time}, and there's no fare difference on that one.
C: Oh, great, let's do that.
""",
            """
A: Would you like to travel with your partner on the same booking? I see two passengers.
C: Yes, we both need to change. It's me and my husband.
A: Both of you are now on the {date} flight, in seats next to each other.
C: Oh, perfect, I was worried we'd be split up.
""",
            """
A: The new flight has a connection in Phoenix, with a layover of fifty minutes.
C: Fifty minutes? Is that enough time?
A: It's the same terminal, so it should be fine, and if you miss it because of a delay, we'll rebook you for free.
C: Okay. And my bag goes all the way through?
A: Yes, it's checked through to your final destination.
""",
            """
A: Your loyalty number isn't on the booking. Would you like me to add it, so you get the miles?
C: Oh, yes please. Um, I don't have it with me.
A: That's alright, I can find it with your email. It's {email}?
C: Yes, that's the one.
A: Found it. The miles for this trip will post a few days after you fly.
""",
            """
A: A checked bag is {price} when you add it now, or more at the airport.
C: Oh, then let's add one now.
A: Sure. And for seats, I have a window in row twelve, or an aisle in row eight.
C: Um, the aisle in row eight, please.
A: Done. The bag is paid with the card ending {card_last4}.
""",
        ),
        (
            """
A: Let me go over the rules for your new ticket. Changes are free up to twenty four hours before departure, but
after that, a change costs seventy five dollars plus any difference in fare. If you don't show up for the flight
and don't tell us beforehand, the rest of the trip, including your return flight, is cancelled automatically, so
please call us if your plans change again. Online check in opens a day before the flight.
C: Okay, got it. I'll check in online.
""",
            """
A: A quick note about baggage, while I have you. Checked bags can weigh up to fifty pounds, and anything heavier
costs extra at the airport, so it's worth weighing it at home. Batteries, power banks and e-cigarettes must go in
your carry on, never in the checked bag. Your carry on has to fit under the seat or in the overhead bin, and on a
full flight we may ask to check it at the gate for free.
C: Mm-hmm. Okay, thanks for the heads up.
""",
        ),
        (
            """
A: Everything's confirmed. Your new itinerary is on its way to {email}.
C: Wonderful. Thanks for making that so easy.
""",
            """
A: Okay, that's all done, and your booking reference stays the same, {booking}.
C: Same reference, good. Thank you.
""",
        ),
    ),
    Scenario(
        "flight-cancelled",
        ("Tailspin Airways", "Northwind Air"),
        ("name", "email", "phone"),
        (
            """
C: Hello, um, my flight was cancelled, and I got a text saying to call you.
A: I'm very sorry about the cancellation. Let's rebook you.
""",
            """
C: Hi, I got an email saying my flight tomorrow is cancelled. What are my options?
A: I'm sorry about that. I'll go through your options with you.
""",
        ),
        (
            """
A: Can you read me the confirmation code?
C: It's {booking}.
A: Thanks. I see the flight to Seattle was cancelled because of the weather.
C: Yeah. I really need to get there by tomorrow night.
A: I can put you on the first flight tomorrow at {time}, or on a later one with a connection in Denver.
C>: The first one, please. The direct one.
A: Done. You're confirmed, and there's no charge for the change.
""",
            """
A: Since we cancelled it, you can have a full refund, or a travel credit with a bonus of {amount2}.
C: Hmm. How long is the credit good for?
A: It's valid for twelve months, and you can use it for any flight, even for someone else.
C: Okay, I'll take the credit then.
A: Alright, the credit will be emailed to {email}.
""",
            """
A: Because the cancellation was our decision, you're also owed a meal voucher.
C: Oh, I didn't know that. How do I get it?
A: I'm adding it to your booking right now, and the voucher comes by text to {phone}.
C: That's great. Thank you.
""",
            """
C: The only other flight is the next morning. Where am I supposed to sleep?
A: We'll cover a hotel near the airport tonight. I'm booking it now.
C: Okay, thank you. And how do I get there?
A: The hotel shuttle leaves from door six, every twenty minutes.
""",
            """
A: Do you have a bag already checked in?
C: Yes, one suitcase.
A: It'll be moved to your new flight automatically, so you don't need to collect it.
C: Oh, good. I was worried about that.
""",
        ),
        (
            """
A: Just so you know your rights with a cancellation. Because we cancelled the flight, you're entitled to a full
refund to your card if you decide not to travel at all, even on a basic fare. If you do travel on the new flight
and it arrives more than three hours later than your original one, you can claim compensation on our website, and
we'll also cover a hotel if you have to stay overnight somewhere.
C: Right, that's good to know.
""",
            """
A: Let me explain how travel credits work. The credit is tied to your name and your booking reference, and it's
valid for one year from the date of the original booking, not from today. You can use it for part of a new ticket
and keep the rest for another trip. If the new flight costs more, you pay the difference, but if it costs less,
the remaining value stays on the credit, and it never turns into cash.
C: I see. That's clearer now, thank you.
""",
        ),
        (
            """
A: You're all set for {date}. Boarding starts forty minutes before departure.
C: Great, I'll be there early.
""",
            """
A: I've sent a text to {phone} with your new boarding time and gate.
C: Got it, thanks a lot.
""",
        ),
    ),
    Scenario(
        "claim-car",
        ("Litware Insurance", "Woodgrove Insurance"),
        ("name", "dob", "address", "phone", "account"),
        (
            """
C: Hi. I was in a small car accident yesterday, and I need to start a claim.
A: I'm sorry to hear that. First of all, is everyone okay?
C: Yes, thankfully, nobody was hurt.
""",
            """
C: Hello, someone backed into my car in a parking lot this morning.
A: Oh, I'm sorry. Are you alright?
C: I'm fine, just annoyed, really.
""",
        ),
        (
            """
A: Where is the damage on your car?
C: The rear bumper, and, um, the trunk won't close properly now.
A: Okay. I'll book an inspection at one of our partner body shops. Is {weekday} okay?
C: Yes, {weekday} is fine.
A: You'll also get a rental car while yours is being repaired, up to thirty days.
""",
            """
A: Was a police report filed for the accident?
C: Um, no. The police said they don't come out when nobody's hurt.
A: That's fine. We'll just need a short written statement from you. I'll email the form to {email}.
C: Okay, I'll fill it in tonight.
""",
            """
A: The other driver's insurer has accepted that their driver was at fault.
C: Oh, that's a relief.
A: That means your deductible will be refunded to you, and it won't affect your premium.
C>: So I get the five hundred back?
A: Yes, once they pay us, usually within a month.
""",
            """
A: Did you get the other driver's details?
C: Yes, I have their name, their plate number, and a photo of their insurance card.
A: Perfect. You can upload all of that in our app, under claims.
C: Okay, I'll do it as soon as we hang up.
""",
            """
A: Is the car still safe to drive?
C: I think so. The lights work, it's just dented.
A: Then you can keep driving it until the repair. The shop will need it for about {days} days.
C: Okay, that's manageable.
""",
        ),
        (
            """
A: Let me walk you through the claims process so you know what's coming. An adjuster will contact you within two
business days to arrange an inspection, either in person or by video. Once they've seen the damage, they write an
estimate, and you can choose one of our partner shops, where the repairs are guaranteed for as long as you own the
car, or a shop of your own choice. Payment is usually made within a week of the estimate being approved.
C: Okay. That's a lot clearer now, thanks.
""",
            """
A: I need to explain how your deductible works on this claim. The deductible is the part of the cost you pay
yourself, and on your policy it's five hundred dollars for each claim. We take it off the payment, so if the
repair costs two thousand dollars, we pay fifteen hundred. If the accident turns out to be the other driver's
fault, we try to recover the full amount from their insurer, and your deductible comes back to you as well.
C: Mm-hmm. Okay, I follow.
""",
        ),
        (
            """
A: Your claim number is {claim}. You'll get a text at {phone} every time it moves forward.
C: Great, thank you for being so helpful.
""",
            """
A: Okay, that's all recorded. Your adjuster will call you by {weekday}.
C: Perfect. I'll keep my phone close.
""",
        ),
    ),
    Scenario(
        "claim-home",
        ("Litware Insurance", "Woodgrove Insurance"),
        ("name", "dob", "address", "phone", "account"),
        (
            """
C: Hello, um, a pipe burst in my kitchen and there's water everywhere.
A: Oh no. I'll start a claim right now and get you some help.
""",
            """
C: Hi, um, we had a leak from the upstairs bathroom, and the ceiling below is coming down.
A: That sounds awful. Let's get help out to you and start a claim.
""",
        ),
        (
            """
A: Have you been able to turn off the water?
C: Yes, my neighbor showed me where the main valve was.
A: Good. I'm sending an emergency drying company. They can be there by {time}.
C>: Is that covered? I'm, I'm worried about the cost.
A: Yes, emergency drying is covered under your policy, so there's nothing to pay up front.
""",
            """
A: Do you know roughly how much damage there is, like the floor or the cabinets?
C: The floor's soaked, and the cabinet under the sink is falling apart.
A: Please take photos of everything before anything is thrown away. We'll need them for the claim.
C: Okay, I've already taken some. I'll take more.
""",
            """
A: Are you able to stay in the house tonight?
C: Um, the kitchen's unusable, but the bedrooms are fine.
A: Okay. If that changes, your policy covers a hotel, so just call us.
C: Good to know, thank you.
""",
            """
A: Has a plumber been out yet?
C: Yes, he fixed the pipe an hour ago, and he gave me an invoice for {amount}.
A: Please keep that invoice. We'll pay it back as part of the claim.
C: Oh, great. I wasn't sure if that was covered.
""",
            """
A: What's damaged, roughly?
C: The floor, the cabinets, and, uh, the dishwasher stopped working.
A: I'll list all three. The adjuster will check the dishwasher too.
C: Okay.
""",
        ),
        (
            """
A: Something important about water damage. Your policy covers sudden events, like a burst pipe, but not damage
that builds up slowly over time, like a small leak that's been dripping for months. The adjuster will look at the
pipe to see which one it was, so please keep the broken piece if the plumber replaces it. Your policy also pays
for a hotel if your home isn't livable during the repairs, up to the limit on your policy.
C: Oh, okay. I'll ask the plumber to keep it.
""",
            """
A: Let me tell you how a home claim is paid. First, the adjuster makes a list of everything that was damaged and
works out what it costs to repair or replace. We pay that amount, minus your deductible, in up to two payments:
one to start the work, and the rest when the contractor has finished. For belongings, like a rug or a table, we
pay what they're worth today first, and the rest once you've bought a replacement and sent us the receipt.
C: Okay, that sounds reasonable.
""",
        ),
        (
            """
A: The drying team is confirmed, and your claim number is {claim}.
C: Thanks. I'll keep that number handy.
""",
            """
A: So, the claim is open, the invoice is noted, and the adjuster will visit on {weekday}.
C: That's fantastic. Thank you so much.
""",
        ),
    ),
]

# A filler a caller (or, less often, an agent) starts a sentence with; spoken as written.
FILLERS = ("Um, ", "Uh, ", "So, um, ", "Well, ")
# Short replies the listener gives during a long turn, on their own channel. Two words at most, so the dev and
# test sets may share them.
BACKCHANNELS = ["Okay.", "Right.", "Yeah.", "Mm-hmm.", "Uh-huh.", "I see.", "Sure.", "Got it.", "Yes."]
