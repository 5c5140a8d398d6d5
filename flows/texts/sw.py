"""Kiswahili screen texts, as written in Kenya. GSM-7 only (a test checks): straight quotes, no accents."""

MONTHS = ("Jan", "Feb", "Mac", "Apr", "Mei", "Jun", "Jul", "Ago", "Sep", "Okt", "Nov", "Des")

TEXTS: dict[str, str] = {
    # navigation and hints
    "more": "Zaidi",
    "choose": "Chagua",  # the button that opens a WhatsApp list
    "back": "Rudi",
    "home": "Mwanzo",
    "invalid": "Chaguo si sahihi.",
    "hint_digits": "Tarakimu pekee.",
    "hint_range": "Weka 10 hadi 250,000.",
    "hint_date": "Tarehe si sahihi.",
    "hint_past": "Tarehe hiyo imepita.",
    "hint_after_term": "Chagua tarehe hadi {date}.",
    "hint_nothing": "Hakuna cha kulipa.",
    "unknown": (
        "Sorry, this number is not registered. Please contact your school.\n"
        "Samahani, nambari hii haijasajiliwa. Tafadhali wasiliana na shule yako."
    ),
    # identify and menu
    "choose_school": "Chagua shule:",
    "choose_child": "Chagua mtoto:",
    "child_left": "ameondoka shuleni",
    "menu_balance": "Salio",
    "menu_pay": "Lipa karo",
    "menu_statement": "Taarifa ya malipo",
    "menu_attendance": "Mahudhurio",
    "menu_results": "Matokeo",
    "menu_promise": "Ahadi ya kulipa",
    "menu_language": "Lugha",
    "menu_settings": "Mipangilio",
    # money
    "owed": "Salio {amount}",
    "credit": "Salio la ziada {amount}",
    "due": "Lipa kufikia {date}",
    "paid_up": "Karo yote imelipwa. Asante!",
    "pay_now": "Lipa",
    "term": "Muhula {number} {year}",
    # statement
    "statement_empty": "Hakuna maingizo bado.",
    "statement_no_older": "Hakuna maingizo ya awali.",
    "statement_then": "Salio tarehe {date}: {amount}",
    "kind_invoice": "Ada",
    "kind_payment": "Malipo",
    "kind_suspense_allocation": "Malipo",
    "kind_bursary": "Basari",
    "kind_discount": "Punguzo",
    "kind_late_fee": "Faini ya kuchelewa",
    "kind_sibling_discount": "Punguzo la ndugu",
    "kind_early_discount": "Punguzo la kulipa mapema",
    "kind_opening_balance": "Salio la awali",
    "kind_reversal": "Marekebisho",
    "kind_charge": "Ada ya ziada",
    "kind_refund": "Marejesho",
    "kind_credit_transfer": "Salio lililohamishwa",
    # risiti (neno RISITI)
    "receipts_title": "Risiti za karibuni:",
    "receipts_none": "Hakuna risiti bado: risiti hutumwa kwa kila malipo shule inayopokea.",
    "receipt_cancelled": "IMEFUTWA",
    "method_mpesa_stk": "M-Pesa",
    "method_mpesa_paybill": "M-Pesa",
    "method_cash": "Taslimu",
    "method_bank": "Benki",
    "method_cheque": "Hundi",
    # attendance
    "attendance_none": "Hakuna rekodi ya mahudhurio bado.",
    "attendance_rate": "{term}: mahudhurio {percent}",
    # present counts late days; excused days are neither present nor absent: the three add up to the days
    "attendance_days": "Alikuwepo siku {present} kati ya {days}",
    "attendance_days_late": "Alikuwepo siku {present} kati ya {days} (alichelewa {late})",
    "attendance_absent": "Siku alizokosa: {absent}",
    "attendance_absent_excused": "Siku alizokosa: {absent}, kwa ruhusa: {excused}",
    "attendance_recent": "Alikosa {dates}",
    # results
    "results_none": "Hakuna matokeo ya mtihani bado.",
    "results_mean": "Wastani {score} ({grade})",
    "results_best": "Bora: {subject}",
    "results_weakest": "Dhaifu: {subject}",
    "results_subjects": "Masomo",
    "results_earlier": "Mitihani ya awali",
    "results_page": "Masomo {shown} kati ya {total}:",
    "results_earlier_title": "Mitihani ya awali:",
    # pay
    "pay_title": "Lipa karo ya {name}",
    "pay_full": "Salio lote {amount}",
    "pay_other": "Kiasi kingine",
    "pay_enter": "Weka kiasi kwa KES, 10 hadi 250,000:",
    "pay_above": "{amount} ni zaidi ya salio la {balance}. Endelea?",
    "yes": "Ndiyo",
    "pay_change": "Badilisha kiasi",
    "pay_confirm": "Lipa {amount} kwa {name}, Adm No. {adm}, kutoka {phone}?",
    "confirm": "Thibitisha",
    "cancel": "Ghairi",
    "pay_cancelled": "Malipo yameghairiwa.",
    "pay_queued": (
        "Utapokea ombi la M-Pesa kwenye {phone} hivi punde. Weka PIN yako kulipa {amount} kwa {name}."
    ),
    "pay_pending": (
        "Ombi la M-Pesa tayari liko njiani kwenda {phone}. Tafadhali angalia simu yako na uweke PIN yako."
    ),
    "pay_unavailable": "Samahani, malipo ya M-Pesa hayapatikani sasa. Tafadhali jaribu tena baadaye.",
    "pay_unavailable_paybill": (
        "Samahani, maombi ya M-Pesa hayapatikani sasa. Unaweza kulipa kwa Paybill {paybill}, akaunti {adm}."
    ),
    "pay_paybill": "Lipa kwa M-Pesa Paybill {paybill}, akaunti {adm}.",
    "pay_no_paybill": "Malipo ya M-Pesa hayajawekwa kwa shule hii. Tafadhali wasiliana na shule ili kulipa.",
    # promise to pay
    "promise_nothing": "{name} hana deni la karo.",
    "promise_no_term": "Tarehe za muhula bado hazijawekwa. Tafadhali wasiliana na shule.",
    "promise_ask": "Utalipa {amount} lini?",
    "promise_in_days": "Baada ya siku {days} ({date})",
    "promise_term_end": "Mwisho wa muhula ({date})",
    "promise_other": "Tarehe nyingine",
    "promise_enter": "Weka tarehe kama DDMM, mfano {example} ni {example_date}. Hadi {last}:",
    "promise_done": (
        "Asante. Ahadi yako ya kulipa kufikia {date} imepokelewa. "
        "Vikumbusho kwa {name} vimesitishwa hadi siku hiyo."
    ),
    # language and reminders
    "language_ask": "Chagua lugha:",
    "language_set": "Lugha: Kiswahili.",
    "reminders_unavailable": "Vikumbusho havipatikani.",
    "reminders_now_off": "Vikumbusho vimezimwa.",
    "reminders_now_on": "Vikumbusho vimewashwa.",
    # settings (flows.settings): reminders, announcements, the channel
    "settings_show": "Vikumbusho: {reminders}\nMatangazo: {announcements}\nUjumbe kwa: {channel}",
    "reminders_state_on": "vimewashwa",
    "reminders_state_off": "vimezimwa",
    "announcements_state_on": "yamewashwa",
    "announcements_state_off": "yamezimwa",
    "reminders_turn_off": "Zima vikumbusho",
    "reminders_turn_on": "Washa vikumbusho",
    "announcements_turn_off": "Zima matangazo",
    "announcements_turn_on": "Washa matangazo",
    "announcements_now_off": "Matangazo yamezimwa.",
    "announcements_now_on": "Matangazo yamewashwa.",
    "channel_change": "Badilisha njia ya ujumbe",
    "channel_ask": "Pokea ujumbe kwa:",
    "channel_sms": "SMS",
    "channel_whatsapp": "WhatsApp",
    "channel_email": "Barua pepe",
    "channel_set": "Ujumbe kwa {channel}.",
    "no_email": "Hakuna barua pepe iliyosajiliwa: omba shule iiongeze.",
    # resume
    "resume_ask": "Endelea ulipoachia?",
    "resume_continue": "Endelea",
    "resume_restart": "Anza upya",
    # SMS and WhatsApp keywords: each spelling, then the replies (flows.keywords)
    "kw_word_balance": "SALIO",
    "kw_word_pay": "LIPA",
    "kw_word_statement": "STMT",
    "kw_word_attendance": "MAHUDHURIO",
    "kw_word_results": "MATOKEO",
    "kw_word_receipts": "RISITI",
    "kw_word_help": "MSAADA",
    "kw_word_stop": "ACHA",
    "kw_word_start": "ANZA",
    "kw_word_channel": "NJIA",
    # what ACHA/ANZA and NJIA take after them (any case; several spellings each)
    "kw_arg_reminders": "VIKUMBUSHO KIKUMBUSHO",
    "kw_arg_announcements": "MATANGAZO TANGAZO HABARI",
    "kw_arg_sms": "SMS",
    "kw_arg_whatsapp": "WHATSAPP WA",
    "kw_arg_email": "BARUAPEPE BARUA EMAIL",
    "kw_help": (
        "Maneno ya Karo:\n"
        "SALIO - salio la karo\n"
        "LIPA <kiasi> - lipa kwa M-Pesa\n"
        "STMT - taarifa\n"
        "MAHUDHURIO\n"
        "MATOKEO - mitihani\n"
        "RISITI - risiti\n"
        "Ongeza <adm no.> kwa mtoto mmoja.\n"
        "ACHA / ANZA - zima / washa vikumbusho\n"
        "ACHA MATANGAZO - bila matangazo\n"
        "NJIA SMS/WHATSAPP/BARUAPEPE\n"
        "Mengine - menyu. MSAADA - hii. English: HELP"
    ),
    "kw_stopped": "Vikumbusho vya karo vimezimwa. Risiti bado hutumwa. Jibu ANZA kuviwasha tena.",
    "kw_started": "Vikumbusho vya karo vimewashwa. Jibu ACHA kuvizima.",
    "kw_stopped_announcements": (
        "Matangazo yamezimwa. Risiti bado hutumwa. Jibu ANZA MATANGAZO kuyawasha tena."
    ),
    "kw_started_announcements": "Matangazo yamewashwa. Jibu ACHA MATANGAZO kuyazima.",
    "kw_stop_what": "Jibu ACHA VIKUMBUSHO au ACHA MATANGAZO (ANZA kuwasha tena). Risiti hutumwa kila mara.",
    "kw_channel_set": "Ujumbe sasa utakuja kwa {channel}. Kubadilisha, jibu NJIA SMS, WHATSAPP au BARUAPEPE.",
    "kw_channel_ask": (
        "Ujumbe unakuja kwa {channel}. Kubadilisha, jibu NJIA SMS, NJIA WHATSAPP au NJIA BARUAPEPE."
    ),
    "kw_channel_no_email": (
        "Hakuna barua pepe iliyosajiliwa: omba shule iiongeze. Ujumbe bado unakuja kwa {channel}."
    ),
    "kw_not_shown": "Hawajaonyeshwa: {adms}. Jibu {keyword} <adm no.> kwa mtoto mmoja.",
    "kw_no_child": "Hakuna mtoto mwenye Adm No. {adm}. Jibu kwa mojawapo ya:",
    "kw_which": "Mtoto yupi? Jibu kwa mojawapo ya:",
    "kw_pay_hint": "Kulipa, jibu LIPA <kiasi>.",
    "kw_pay_hint_adm": "Kulipa, jibu LIPA <kiasi> <adm no.>.",
    "kw_pay_how": "Kulipa kwa M-Pesa, jibu kwa kiasi kwa tarakimu, mfano {example}.",
    "kw_pay_range": "Unaweza kulipa KES 10 hadi 250,000 kwa wakati mmoja, mfano {example}.",
    "kw_pay_ambiguous": "Zaidi ya mtoto mmoja ana Adm No. {adm}. Kulipa, tuma HABARI na uchague Lipa karo.",
}
