"""English screen texts. GSM-7 only (a test checks): straight quotes, no accents, no emoji."""

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

TEXTS: dict[str, str] = {
    # navigation and hints
    "more": "More",
    "choose": "Choose",  # the button that opens a WhatsApp list
    "back": "Back",
    "home": "Home",
    "invalid": "Invalid choice.",
    "hint_digits": "Digits only.",
    "hint_range": "Enter 10 to 250,000.",
    "hint_date": "Invalid date.",
    "hint_past": "That date has passed.",
    "hint_after_term": "Choose a date by {date}.",
    "hint_nothing": "Nothing to pay.",
    "unknown": (
        "Sorry, this number is not registered. Please contact your school.\n"
        "Samahani, nambari hii haijasajiliwa. Tafadhali wasiliana na shule yako."
    ),
    # identify and menu
    "choose_school": "Choose a school:",
    "choose_child": "Choose a child:",
    "child_left": "left school",
    "menu_balance": "Balance",
    "menu_pay": "Pay fees",
    "menu_statement": "Statement",
    "menu_attendance": "Attendance",
    "menu_results": "Results",
    "menu_promise": "Promise to pay",
    "menu_language": "Language",
    "menu_settings": "Settings",
    # money
    "owed": "Balance {amount}",
    "credit": "Credit {amount}",
    "due": "Due by {date}",
    "paid_up": "Fully paid. Thank you!",
    "pay_now": "Pay",
    "term": "Term {number} {year}",
    # statement
    "statement_empty": "No entries yet.",
    "statement_no_older": "No older entries.",
    "statement_then": "Balance on {date}: {amount}",
    "kind_invoice": "Fees",
    "kind_payment": "Payment",
    "kind_suspense_allocation": "Payment",
    "kind_bursary": "Bursary",
    "kind_discount": "Discount",
    "kind_late_fee": "Late fee",
    "kind_sibling_discount": "Sibling discount",
    "kind_early_discount": "Early payment discount",
    "kind_opening_balance": "Bal b/f",
    "kind_reversal": "Reversal",
    "kind_charge": "Charge",
    "kind_refund": "Refund",
    "kind_credit_transfer": "Credit moved",
    # receipts (RECEIPT keyword)
    "receipts_title": "Latest receipts:",
    "receipts_none": "No receipts yet: a receipt comes with every payment the school receives.",
    "receipt_cancelled": "CANCELLED",
    "method_mpesa_stk": "M-Pesa",
    "method_mpesa_paybill": "M-Pesa",
    "method_cash": "Cash",
    "method_bank": "Bank",
    "method_cheque": "Cheque",
    # attendance
    "attendance_none": "No attendance recorded yet.",
    "attendance_rate": "{term}: {percent} present",
    # present counts late days; excused days are neither present nor absent: the three add up to the days
    "attendance_days": "Present {present} of {days} days",
    "attendance_days_late": "Present {present} of {days} days ({late} of them late)",
    "attendance_absent": "Days absent: {absent}",
    "attendance_absent_excused": "Days absent: {absent}, excused: {excused}",
    "attendance_recent": "Absent on {dates}",
    # results
    "results_none": "No exam results yet.",
    "results_mean": "Mean {score} ({grade})",
    "results_best": "Best: {subject}",
    "results_weakest": "Weakest: {subject}",
    "results_subjects": "Subjects",
    "results_earlier": "Earlier exams",
    "results_page": "Subjects {shown} of {total}:",
    "results_earlier_title": "Earlier exams:",
    # pay
    "pay_title": "Pay fees for {name}",
    "pay_full": "Full balance {amount}",
    "pay_other": "Other amount",
    "pay_enter": "Enter the amount in KES, 10 to 250,000:",
    "pay_above": "{amount} is more than the balance of {balance}. Continue?",
    "yes": "Yes",
    "pay_change": "Change amount",
    "pay_confirm": "Pay {amount} for {name}, Adm No. {adm}, from {phone}?",
    "confirm": "Confirm",
    "cancel": "Cancel",
    "pay_cancelled": "Payment cancelled.",
    "pay_queued": (
        "You will receive an M-Pesa prompt on {phone} shortly. Enter your PIN to pay {amount} for {name}."
    ),
    "pay_pending": (
        "An M-Pesa prompt is already on its way to {phone}. Please check your phone and enter your PIN."
    ),
    "pay_unavailable": "Sorry, M-Pesa payment is not available right now. Please try again later.",
    "pay_unavailable_paybill": (
        "Sorry, M-Pesa prompts are not available right now. You can pay by Paybill {paybill}, account {adm}."
    ),
    "pay_paybill": "Pay by M-Pesa Paybill {paybill}, account {adm}.",
    "pay_no_paybill": "M-Pesa payment is not set up for this school. Please contact the school to pay.",
    # promise to pay
    "promise_nothing": "{name} has no fee balance.",
    "promise_no_term": "Term dates are not set yet. Please contact the school.",
    "promise_ask": "When will you pay {amount}?",
    "promise_in_days": "In {days} days ({date})",
    "promise_term_end": "By term end ({date})",
    "promise_other": "Another date",
    "promise_enter": "Enter the date as DDMM, e.g. {example} for {example_date}. Latest {last}:",
    "promise_done": (
        "Thank you. Your promise to pay by {date} is noted. Reminders for {name} pause until then."
    ),
    # language and reminders
    "language_ask": "Choose language:",
    "language_set": "Language: English.",
    "reminders_unavailable": "Reminders are not available.",
    "reminders_now_off": "Reminders turned off.",
    "reminders_now_on": "Reminders turned on.",
    # settings (flows.settings): reminders, announcements, the channel
    "settings_show": "Reminders: {reminders}\nAnnouncements: {announcements}\nMessages by: {channel}",
    "reminders_state_on": "ON",
    "reminders_state_off": "OFF",
    "announcements_state_on": "ON",
    "announcements_state_off": "OFF",
    "reminders_turn_off": "Turn reminders off",
    "reminders_turn_on": "Turn reminders on",
    "announcements_turn_off": "Turn announcements off",
    "announcements_turn_on": "Turn announcements on",
    "announcements_now_off": "Announcements turned off.",
    "announcements_now_on": "Announcements turned on.",
    "channel_change": "Change channel",
    "channel_ask": "Receive messages by:",
    "channel_sms": "SMS",
    "channel_whatsapp": "WhatsApp",
    "channel_email": "Email",
    "channel_set": "Messages now by {channel}.",
    "no_email": "No email address on file: ask the school to add it.",
    # resume
    "resume_ask": "Continue where you left off?",
    "resume_continue": "Continue",
    "resume_restart": "Start again",
    # SMS and WhatsApp keywords: each spelling, then the replies (flows.keywords)
    "kw_word_balance": "BAL",
    "kw_word_pay": "PAY",
    "kw_word_statement": "STMT",
    "kw_word_attendance": "ATT",
    "kw_word_results": "RES",
    "kw_word_receipts": "RECEIPT",
    "kw_word_help": "HELP",
    "kw_word_stop": "STOP",
    "kw_word_start": "START",
    "kw_word_channel": "CHANNEL",
    # what STOP/START and CHANNEL take after them (any case; several spellings each)
    "kw_arg_reminders": "REMINDERS REMINDER",
    "kw_arg_announcements": "ANNOUNCEMENTS ANNOUNCEMENT NEWS",
    "kw_arg_sms": "SMS TEXT",
    "kw_arg_whatsapp": "WHATSAPP WA",
    "kw_arg_email": "EMAIL E-MAIL MAIL",
    "kw_help": (
        "Karo keywords:\n"
        "BAL - fee balance\n"
        "PAY <amount> - pay by M-Pesa\n"
        "STMT - statement\n"
        "ATT - attendance\n"
        "RES - exam results\n"
        "RECEIPT - latest receipts\n"
        "Add <adm no.> for one child.\n"
        "STOP / START - reminders off / on\n"
        "STOP NEWS - no announcements\n"
        "CHANNEL SMS/WHATSAPP/EMAIL\n"
        "Other - menu. HELP - this. Kiswahili: MSAADA"
    ),
    "kw_stopped": "Fee reminders are now off. Receipts still come. Reply START to turn them back on.",
    "kw_started": "Fee reminders are now on. Reply STOP to turn them off.",
    "kw_stopped_announcements": (
        "Announcements are now off. Receipts still come. Reply START ANNOUNCEMENTS to turn them back on."
    ),
    "kw_started_announcements": "Announcements are now on. Reply STOP ANNOUNCEMENTS to turn them off.",
    "kw_stop_what": (
        "Reply STOP REMINDERS or STOP ANNOUNCEMENTS (START to turn back on). Receipts always come."
    ),
    "kw_channel_set": "Messages will now come by {channel}. Reply CHANNEL SMS, WHATSAPP or EMAIL to change.",
    "kw_channel_ask": (
        "Messages come by {channel}. To change, reply CHANNEL SMS, CHANNEL WHATSAPP or CHANNEL EMAIL."
    ),
    "kw_channel_no_email": (
        "No email address on file: ask the school to add it. Messages still come by {channel}."
    ),
    "kw_not_shown": "Not shown: {adms}. Reply {keyword} <adm no.> for one child.",
    "kw_no_child": "No child with Adm No. {adm}. Reply with one of:",
    "kw_which": "Which child? Reply with one of:",
    "kw_pay_hint": "To pay, reply PAY <amount>.",
    "kw_pay_hint_adm": "To pay, reply PAY <amount> <adm no.>.",
    "kw_pay_how": "To pay by M-Pesa, reply with the amount in digits, e.g. {example}.",
    "kw_pay_range": "You can pay KES 10 to 250,000 at a time, e.g. {example}.",
    "kw_pay_ambiguous": "More than one child has Adm No. {adm}. To pay, send HI and choose Pay fees.",
}
