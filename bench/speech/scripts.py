"""The conversations of the robustness and sample calls (espeak-ng), one script per call, with {slots} for personal
details, and the script format every call is written in.

A line is "A: words" (agent), "C: words" (customer), "A>: words" / "C>: words" (barges in: starts while the
other party is still talking), "KEYS: slot" (the customer keys a slot's digits, or the digits given),
"HOLD" (the agent puts the customer on hold) or "PAUSE" (nobody speaks for a few seconds). Words are
written as a person writes them, numbers spelled out, because the engines speak exactly what is written
and the reference is this text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    kind: str  # "agent", "customer", "keys", "hold" or "pause"
    text: str = ""
    barge_in: bool = False  # starts before the other party has finished


@dataclass(frozen=True)
class Script:
    name: str
    lines: str

    def steps(self) -> list[Step]:
        kinds = {"A": "agent", "C": "customer", "KEYS": "keys"}
        steps = []
        for line in self.lines.strip().splitlines():
            if line.strip() in ("HOLD", "PAUSE"):
                steps.append(Step(line.strip().lower()))
                continue
            tag, _, text = line.partition(":")
            barge_in = tag.endswith(">") and tag[:-1] in ("A", "C")
            kind = kinds.get(tag[:-1] if barge_in else tag)
            if kind is None or not text.strip():
                raise ValueError(f"{self.name}: unreadable script line {line!r}")
            steps.append(Step(kind, text.strip(), barge_in))
        return steps


# The robustness calls: espeak-ng voices speak them, through the varied channel, with ring-back, DTMF and hold.
ROBUSTNESS = [
    Script(
        "lost-card",
        """
A: Thank you for calling Northwind Bank, my name is {agent}. How can I help you today?
C: Hi, I think I lost my debit card yesterday, and I want to make sure nobody can use it.
A: I'm sorry to hear that. I can block it for you right away. Can I have your full name, please?
C: Yes, it's {customer}.
A: Thank you. And what's the phone number on the account?
C: It's {phone}.
A: Great. Do you have the card number, or at least the last four digits?
C: I wrote the whole number down. It's {card}.
PAUSE
A: Thank you. I've found the card and blocked it as of now. Did you notice any payments you don't recognize?
C: I don't think so. The last thing I bought was groceries on {date}, for {amount}.
A: Yes, that's the most recent transaction, so nothing else has gone through.
A: I'm ordering a replacement to the address on file, and it should arrive by {date2}.
C: Perfect. Thanks so much for your help.
A: You're welcome. Have a good day.
""",
    ),
    Script(
        "double-charge",
        """
A: Good afternoon, Bluepeak Internet billing, this is {agent} speaking.
C: Hi {agent}. I was charged twice for my monthly plan, and I'd like one of the charges refunded.
A: I'm sorry about that. Could I have your name and the phone number on the account?
C: Sure. {customer}, and the number is {phone}.
A: Thank you. Let me look at the recent charges. One moment, I'll put you on a short hold.
HOLD
A: Thanks for waiting. I see two payments of {amount} on {date}.
C: Right, that's the one. It should only have been once.
A: You're right, the second one is a duplicate. I've issued a refund for it.
C: How long will the refund take?
A: Usually three to five business days, so you should see it by {date2}.
C: Okay, great. Could you send me a confirmation by email?
A: Of course. Is it still {email}?
C: Yes, that's it. Thank you.
""",
    ),
    Script(
        "password-reset",
        """
A: Thank you for calling Cedar Mobile support. My name is {agent}. What can I do for you?
C: Hi. I'm locked out of my online account, and the reset email never arrives.
A: Let's sort that out. What's the email address on the account?
C: It's {email}.
A: Thank you. For security, please enter your four digit PIN on your keypad now.
KEYS: pin_keys
A: Thanks, that's verified. I can see the reset emails are bouncing because the address was entered with a typo.
C: Oh, that explains it. Can you fix it?
A: Yes, I've corrected it now. I'm sending a new reset link. Can you check your inbox?
C: Let me see.
PAUSE
C: Yes, it's there.
A: Great. The link is good for twenty four hours.
C: Okay. And will my saved payment card still work, the one ending in {card_last4}?
A: Yes, nothing on the card changes.
C: Perfect, thank you.
A: My pleasure. Have a nice evening.
""",
    ),
    Script(
        "order-status",
        """
A: Hello, you've reached Maple Home orders, this is {agent}. How can I help?
C: Hi. I ordered a kitchen table on {date} and it still hasn't arrived.
A: I'm sorry for the wait. Do you have the order number?
C: Yes, it's {account}.
A: Thank you. And the name on the order?
C: {customer}.
A: I found it. The table shipped late, and the carrier now shows delivery on {date2}.
C: That's a lot later than I was told. I paid {dollars} for it.
A: I understand. I can refund the delivery charge of {amount} for the delay.
C: Okay, that would help. Will the driver call before coming?
A: Yes, they'll call the number on the order, {phone}.
C: That's my cell, so that's fine.
A: Great. I'll also email the tracking link to {email}.
C: Thanks. I appreciate it.
A: You're welcome. Enjoy the new table.
""",
    ),
    Script(
        "address-change",
        """
A: Summit Insurance, good morning, this is {agent}.
C: Good morning. I've just moved, and I need to update my address on my policy.
A: Congratulations on the move. Please key in your policy number followed by the pound sign.
KEYS: account_keys
A: Thank you. Can you confirm your date of birth?
C: It's {birthday}.
A: Thank you, {first}. What's the new address?
C: It's twelve Oak Street, apartment four, in Springfield.
A: Got it. When did you move in?
C: On {date}.
A: I've updated it. Because the new area is cheaper to insure, your monthly premium drops to {amount}.
C: Oh, that's a nice surprise.
A: Is the best phone number still {phone}?
C: Yes, it is.
A: Perfect. You'll get the new policy documents in the mail within a week.
C: Great, thank you.
A: Thanks for calling, and goodbye.
""",
    ),
    Script(
        "internet-outage",
        """
A: Bluepeak Internet technical support, this is {agent}. How can I help you?
C: Hi. My internet has been down since this morning, and I work from home.
A: I'm sorry, let's get you back online. What's the account number?
C: It's {account}.
A: Thank you. And the name on the account?
C: {customer}.
A: Let me run a line test. It'll take a moment, so I'll place you on hold.
HOLD
A: Thanks for holding. The test shows a fault outside your home, so a technician needs to visit.
C: When is the earliest appointment?
A: The earliest is {date}, between eight and noon.
C: That's fine. Will I be charged for it?
A: No, outside faults are free, and I've added a credit of {amount} for the outage.
C: Thanks. Can they call me before they arrive?
A: Yes, they'll call {phone} about thirty minutes before.
C: Great, thank you.
A: You're welcome. Goodbye.
""",
    ),
    Script(
        "claim-update",
        """
A: Thank you for calling Summit Insurance claims. My name is {agent}.
C: Hello. I'm calling about a claim for my car. Someone hit it in a parking lot on {date}.
A: I'm sorry to hear that. Do you have the claim number?
C: Yes, it's {account}.
A: Thank you. Can you confirm your name and phone number?
C: Sure. {customer}, and the number is {phone}.
A: Thanks. I see the repair estimate came in at {dollars}.
C: That sounds right. When will the payment be sent?
A: It was approved today. After your deductible, we'll pay the body shop directly.
C: Do I need to do anything else?
A: Just sign the release form we emailed to {email}.
C: I'll do that tonight. Thanks.
A: Thank you. Have a good day.
""",
    ),
    Script(
        "appointment-reschedule",
        """
A: Harbor Health scheduling, this is {agent}. How can I help you?
C: Hi. I have an appointment on {date}, and I need to move it.
A: Sure. Can I have your full name and date of birth?
C: {customer}, born {birthday}.
A: Thank you. I see your appointment with doctor Evans at nine thirty.
C: That's the one. Do you have anything the following week?
A: I have {date2} at two fifteen in the afternoon.
C: That works for me.
A: Great, I've booked it. The visit fee is still {amount}.
C: Okay. Can you text me a reminder?
A: Of course, to {phone}?
C: Yes, please.
A: Done. Is there anything else?
C: No, that's all. Thanks a lot.
A: Take care. Goodbye.
""",
    ),
    Script(
        "flight-change",
        """
A: Skyline Airways reservations, this is {agent}. How may I help you?
C: Hi. I'm booked on a flight to Denver on {date}, and I'd like to go a day later.
A: I can look into that. What's the confirmation number?
C: It's {account}.
A: And the passenger's name?
C: {customer}.
A: Thank you. There's a seat on the same flight on the next day. The fare difference is {amount}.
C: That's fine. Please change it.
A: I'll charge the card on file. Can you read me the card number to confirm?
C: Sure, it's {card}.
A: Thank you. You're all set, and the new itinerary will go to {email}.
C: Will I keep my window seat?
A: Yes, I kept you in a window seat near the front.
C: Wonderful. Thank you.
A: Have a good trip.
""",
    ),
    Script(
        "meter-reading",
        """
A: Lakeside Utilities, this is {agent}. How can I help?
C: Hello. My last gas bill was {dollars}, which is far too high for a small flat.
A: Let me check. Please enter your account number on the keypad.
KEYS: account_keys
A: Thank you. The bill was based on an estimate, not a real reading. Do you have the meter in front of you?
C: Yes. It reads four two seven one nine.
A: Thanks. With that reading, your bill comes down to {amount}.
C: That's much better. When will I see the new bill?
A: Within two days. The payment date stays on {date}.
C: Okay. Can you send it to {email}?
A: Yes, I've switched you to email bills.
C: Thank you very much.
A: You're welcome. Goodbye.
""",
    ),
    Script(
        "prescription-refill",
        """
A: Good morning, Maple Pharmacy, {agent} speaking.
C: Hi. I'd like to refill my blood pressure prescription, please.
A: Of course. What's your name and date of birth?
C: {customer}, and my birthday is {birthday}.
A: Thank you. I see two refills left. The next one will be ready on {date}.
C: Could it be ready sooner? I'm almost out.
A: Let me ask the pharmacist. Please hold for a moment.
HOLD
A: Thanks for waiting. We can have it ready tomorrow afternoon.
C: That's great. How much will it be?
A: With your insurance, the copay is {amount}.
C: Okay. Please call me when it's ready, at {phone}.
A: Will do. Anything else today?
C: No, that's it. Thanks.
A: Feel better soon. Goodbye.
""",
    ),
    Script(
        "cancel-subscription",
        """
A: Thanks for calling Brightline Streaming, my name is {agent}. What can I help with?
C: Hi. I'd like to cancel my subscription, please.
A: I can help with that. What's the email on the account?
C: It's {email}.
A: Thank you. May I ask why you're cancelling?
C: I just don't watch it enough, and it's {amount} a month.
A: I understand. I could offer you three months at half price.
C: No thanks, I'd rather cancel.
A: All right. Your access stays active until {date}.
C: Will I be refunded for this month?
A: You were charged on the card ending {card_last4} on {date2}, so I'll refund that payment.
C: Great. Thank you.
A: It's done. You'll get a confirmation email shortly.
C: Thanks, bye.
""",
    ),
    Script(
        "fraud-alert",
        """
A: Hello, this is {agent} from the Evergreen Credit Union fraud team. Am I speaking with {customer}?
C: Yes, speaking.
A: We noticed some unusual activity on your card. Before I go on, can you confirm your phone number?
C: It's {phone}.
A: Thank you. Did you make a purchase of {dollars} at an electronics store on {date}?
C: No, I didn't. I was at home all day.
PAUSE
A: Thank you. And a charge of {amount} at a gas station the same day?
C: That one was me.
A: Okay. I'll block the card and dispute the electronics charge. Please confirm the card number you have.
C: It's {card}.
A: Thank you. A new card will arrive by {date2}, and the disputed amount is credited back now.
C: Thank you for catching it.
A: You're welcome. Please shred the old card. Goodbye.
""",
    ),
    Script(
        "hotel-booking",
        """
A: Brightline Hotels reservations, this is {agent}. How may I help you?
C: Hi. I'd like to book a room for two nights, arriving on {date}.
A: Certainly. Is that for one guest or two?
C: Two guests, and a king bed if possible.
A: I have a king room at {dollars} for both nights, taxes included.
C: That's fine. Let's book it.
A: Can I have the name for the reservation?
C: {customer}.
A: And a card to hold the room?
C: Sure. {card}.
A: Thank you. Where should I send the confirmation?
C: To {email}.
A: Done. Check in is from three in the afternoon.
C: Great, thanks.
A: We look forward to seeing you.
""",
    ),
    Script(
        "roaming-charges",
        """
A: Cedar Mobile, this is {agent}. How can I help you today?
C: Hi. I just got back from Spain, and my bill has roaming charges of {dollars}.
A: I'm sorry about that. Please enter your four digit PIN.
KEYS: pin_keys
A: Thank you. Is this about the number {phone}?
C: Yes, that's my number.
A: Let me check if a travel pass was active. I'll place you on hold for a moment.
HOLD
A: Thank you for holding. The travel pass expired on {date}, one day before you came home.
C: So that last day cost all that?
A: It did, but I can apply the pass for that day too, so the charge drops to {amount}.
C: Thank you, that's fair.
A: You're welcome. Anything else?
C: No, that's all.
""",
    ),
    Script(
        "loan-payment",
        """
A: Evergreen Credit Union loans, this is {agent}.
C: Hi. I want to make an extra payment on my car loan.
A: Sure. Can I have the loan account number?
C: It's {account}.
A: And can you verify your date of birth?
C: {birthday}.
A: Thank you, {first}. How much would you like to pay?
C: {dollars}, from my checking account.
A: Should that go to the principal, or toward next month's payment?
C: To the principal, please.
A: Done. Your next regular payment of {amount} is still due on {date}.
C: Okay. Can I get a receipt?
A: I'll email it to {email}.
C: Thanks a lot.
A: You're welcome. Have a great day.
""",
    ),
]

SAMPLE = Script(
    "balance-check",
    """
A: Northwind Bank, this is {agent}. How can I help?
C: Hi. I'd like to check my savings balance.
A: Sure. Please key in your account number.
KEYS: account_keys
A: Thanks. And your phone number?
C: It's {phone}.
A: Your balance is {dollars}.
C: Great, thanks. Bye.
""",
)
