"""Kenyan names across communities, for demo families: given names, and surnames a family shares."""

from __future__ import annotations

from dataclasses import dataclass

MUSLIM_WOMEN = ("Halima", "Amina", "Mwanaisha", "Zainab", "Khadija", "Asha", "Saida", "Mariam")
MUSLIM_MEN = ("Hassan", "Omar", "Ali", "Ibrahim", "Abdallah", "Salim", "Rashid", "Yusuf")


# Names a child is often known by at school, whatever the family's community.
SCHOOL_GIRLS = (
    "Faith", "Mercy", "Purity", "Sharon", "Cynthia", "Joy", "Grace", "Esther", "Michelle", "Natasha",
    "Abigail", "Tracy", "Stacy", "Diana", "Ivy", "Blessing", "Precious", "Gift", "Hope", "Imani",
)  # fmt: skip
SCHOOL_BOYS = (
    "Brian", "Kevin", "Dennis", "Collins", "Ian", "Victor", "Emmanuel", "Samuel", "Elvis", "Felix",
    "Allan", "Ryan", "Brandon", "Kelvin", "Derrick", "Trevor", "Joshua", "Baraka", "Amani", "Jabali",
)  # fmt: skip
# Names a guardian goes by.
PARENT_WOMEN = (
    "Mary", "Jane", "Lucy", "Margaret", "Anne", "Caroline", "Beatrice", "Rose", "Catherine", "Eunice",
    "Josephine", "Agnes", "Lilian", "Phyllis", "Ruth", "Susan", "Winnie", "Dorcas", "Rahab", "Teresia",
)  # fmt: skip
PARENT_MEN = (
    "John", "Peter", "Joseph", "James", "David", "Paul", "Daniel", "Stephen", "Francis", "George",
    "Charles", "Patrick", "Geoffrey", "Simon", "Wilson", "Moses", "Isaac", "Julius", "Martin", "Edwin",
)  # fmt: skip


@dataclass(frozen=True)
class Community:
    name: str
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]
    women: tuple[str, ...] = PARENT_WOMEN  # the names guardians go by
    men: tuple[str, ...] = PARENT_MEN
    school_names: bool = True  # children often known at school by an English first name


COMMUNITIES = (
    Community(
        "Kikuyu",
        ("Wanjiku", "Njeri", "Wambui", "Wairimu", "Nyambura", "Muthoni", "Wanjiru", "Waithera"),
        ("Kamau", "Mwangi", "Njoroge", "Kariuki", "Githinji", "Ndungu", "Maina", "Gitau"),
        ("Kamau", "Mwangi", "Njoroge", "Kariuki", "Wainaina", "Gacheru", "Muriuki", "Ngugi", "Kimani"),
    ),
    Community(
        "Luo",
        ("Achieng", "Akinyi", "Awino", "Atieno", "Adhiambo", "Anyango", "Auma", "Apiyo"),
        ("Otieno", "Odhiambo", "Onyango", "Ochieng", "Omondi", "Owino", "Okoth", "Ouma"),
        ("Otieno", "Odhiambo", "Onyango", "Ochieng", "Omondi", "Oduor", "Okello", "Nyamweya", "Ogola"),
    ),
    Community(
        "Luhya",
        ("Nafula", "Nekesa", "Naliaka", "Nasimiyu", "Nanjala", "Namalwa", "Nabwire", "Navalayo"),
        ("Wafula", "Wekesa", "Barasa", "Simiyu", "Wanyama", "Juma", "Shikuku", "Masinde"),
        ("Wafula", "Wekesa", "Barasa", "Simiyu", "Wanyama", "Makokha", "Shikuku", "Mulama", "Khaemba"),
    ),
    Community(
        "Kalenjin",
        ("Chebet", "Jepkosgei", "Cherono", "Chepkoech", "Jeptoo", "Chelangat", "Jepchirchir", "Chepngetich"),
        ("Kiprop", "Kibet", "Kipchoge", "Kiptoo", "Cheruiyot", "Rotich", "Langat", "Kiplagat"),
        ("Kiprop", "Kibet", "Rotich", "Langat", "Koech", "Tanui", "Kirui", "Sang", "Too"),
    ),
    Community(
        "Kamba",
        ("Mwikali", "Ndanu", "Mutheu", "Nduku", "Kanini", "Mwende", "Syokau", "Wayua"),
        ("Mutua", "Musyoka", "Kioko", "Mwendwa", "Muli", "Kyalo", "Mbithi", "Nzioka"),
        ("Mutua", "Musyoka", "Kioko", "Mutiso", "Kilonzo", "Muthama", "Ndolo", "Wambua", "Nzomo"),
    ),
    Community(
        "Kisii",
        ("Moraa", "Nyaboke", "Kerubo", "Kemunto", "Bosibori", "Nyanchama", "Kwamboka", "Gesare"),
        ("Ongeri", "Nyakundi", "Onsongo", "Mogaka", "Ombati", "Momanyi", "Obare", "Nyamweya"),
        ("Ongeri", "Nyakundi", "Onsongo", "Mogaka", "Ombati", "Momanyi", "Obare", "Omwenga", "Makori"),
    ),
    Community(
        "Meru",
        ("Gatwiri", "Kendi", "Nkatha", "Kagendo", "Karimi", "Makena", "Nkirote", "Kathure"),
        ("Kinyua", "Mwiti", "Murithi", "Mutuma", "Gitonga", "Kirimi", "Mugambi", "Koome"),
        ("Kinyua", "Mwiti", "Murithi", "Mutuma", "Gitonga", "Kirimi", "Mugambi", "Kaberia", "Mbaabu"),
    ),
    Community(
        "Coast",
        ("Kadzo", "Mwanajuma", "Rehema", "Zawadi", "Sidi", "Fatuma", "Mwanaisha", "Kache"),
        ("Kahindi", "Baraka", "Salim", "Kazungu", "Charo", "Katana", "Mwinyi", "Juma"),
        ("Kahindi", "Kazungu", "Charo", "Katana", "Mwinyi", "Baya", "Karisa", "Ngala", "Tsuma"),
        MUSLIM_WOMEN,
        MUSLIM_MEN,
        school_names=False,
    ),
    Community(
        "Somali",
        ("Halima", "Amina", "Fatuma", "Hodan", "Sahra", "Ubah", "Ifrah", "Nasra"),
        ("Abdi", "Hassan", "Mohamed", "Ahmed", "Ibrahim", "Yusuf", "Farah", "Abdullahi"),
        ("Abdi", "Hassan", "Mohamed", "Ahmed", "Ibrahim", "Yusuf", "Farah", "Aden", "Omar"),
        MUSLIM_WOMEN,
        MUSLIM_MEN,
        school_names=False,
    ),
    Community(
        "Maasai",
        ("Naserian", "Nashipai", "Silantoi", "Namunyak", "Resian", "Sintamei", "Nalangu", "Nasieku"),
        ("Lemayian", "Sankale", "Parsimei", "Saitoti", "Lekishon", "Kisemei", "Tajeu", "Meitamei"),
        ("Ole Sankale", "Lemayian", "Parsimei", "Saitoti", "Ole Kina", "Nkoitiko", "Kisemei", "Ntimama"),
    ),
)
