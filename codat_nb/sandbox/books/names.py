"""Word pools the dummy books draw names, places and goods from."""

from __future__ import annotations

FIRST_NAMES = (
    "Junior", "Keeley", "Cary", "Serena", "Amelia", "Oliver", "Isla", "Jack", "Ava", "Harry", "Mia", "George",
    "Emily", "Noah", "Grace", "Leo", "Freya", "Oscar", "Ruby", "Arthur", "Lily", "Henry", "Ella", "Theo",
    "Sophie", "Alfie", "Chloe", "Jacob", "Evie", "Freddie", "Poppy", "Archie", "Daisy", "Logan", "Zara",
    "Mason", "Layla", "Ethan", "Nora", "Lucas", "Maya", "Caleb", "Hazel", "Elijah", "Aria", "Mateo", "Luna",
    "Wyatt", "Stella", "Owen", "Violet", "Julian", "Aurora", "Ezra", "Ivy", "Hudson", "Willow", "Miles",
    "Naomi", "Felix", "Clara", "Jasper", "Iris", "Rowan", "Eliza", "Silas", "Ada", "Hugo", "Esme",
)  # fmt: skip
LAST_NAMES = (
    "Lynch", "Stoltenberg", "Kreiger", "Keeling", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson",
    "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Garcia", "Hughes", "Carter", "Bennett", "Okafor",
    "Nguyen", "Schmidt", "Rossi", "Dubois", "Jansen", "Novak", "Kowalski", "Silva", "Murphy", "Kelly",
    "Fischer", "Weber", "Moreau", "Bauer", "Larsen", "Berg", "Costa", "Santos", "Fraser", "Grant", "Hayes",
)  # fmt: skip
COMPANY_SUFFIXES = {
    "GB": ("Ltd", "Limited", "& Sons", "Partners LLP", "Group Ltd", "& Co"),
    "US": ("Inc", "LLC", "Corp", "& Sons", "Group", "Holdings"),
    "DE": ("GmbH", "AG", "KG"),
    "FR": ("SARL", "SA", "SAS"),
    "NL": ("BV", "NV"),
    "CH": ("AG", "GmbH", "SA"),
    "IE": ("Ltd", "DAC"),
}
COMPANY_WORDS = (
    "Northwind", "Bluebell", "Harbour", "Summit", "Oakfield", "Riverside", "Granite", "Meadow", "Beacon",
    "Evergreen", "Copperleaf", "Silverline", "Foxglove", "Kestrel", "Highland", "Lakeside", "Maple", "Orchard",
    "Pinnacle", "Redwood", "Sterling", "Thistle", "Westbrook", "Juniper", "Atlas", "Horizon", "Lighthouse",
)  # fmt: skip

#: City, region and postal-code pattern per country (``#`` digit, ``A`` letter).
PLACES = {
    "GB": (("London", "Greater London", "EC# #AA"), ("Manchester", "Greater Manchester", "M# #AA"),
           ("Bristol", "Bristol", "BS# #AA"), ("Leeds", "West Yorkshire", "LS# #AA"),
           ("Edinburgh", "Scotland", "EH# #AA"), ("Cardiff", "Wales", "CF## #AA")),
    "US": (("Austin", "TX", "787##"), ("Denver", "CO", "802##"), ("Portland", "OR", "972##"),
           ("Chicago", "IL", "606##"), ("Atlanta", "GA", "303##"), ("Columbus", "OH", "432##")),
    "DE": (("Berlin", "Berlin", "10###"), ("Hamburg", "Hamburg", "20###"), ("Munich", "Bavaria", "80###")),
    "FR": (("Paris", "Ile-de-France", "750##"), ("Lyon", "Auvergne-Rhone-Alpes", "690##")),
    "NL": (("Amsterdam", "North Holland", "10## AA"), ("Rotterdam", "South Holland", "30## AA")),
    "CH": (("Zurich", "Zurich", "80##"), ("Geneva", "Geneva", "12##")),
    "IE": (("Dublin", "Leinster", "D## A#A#"), ("Cork", "Munster", "T12 A#A#")),
}  # fmt: skip
STREETS = (
    "High Street", "Station Road", "Main Street", "Park Lane", "Church Road", "Mill Lane", "King Street",
    "Queen Street", "Victoria Road", "Market Square", "Oak Avenue", "Elm Street", "Harbour Way", "Bridge Street",
)  # fmt: skip

#: What each kind of business sells: (name, unit price in cents, is a service).
CATALOGUES = {
    "services": (
        ("Consulting (per hour)", 12500, True), ("Website design", 180000, True), ("Monthly retainer", 95000, True),
        ("Workshop facilitation", 65000, True), ("Brand strategy session", 42000, True), ("Copywriting (per page)", 9000, True),
        ("SEO audit", 55000, True), ("Hosting (monthly)", 4500, True), ("Support hours", 8500, True),
        ("Training day", 75000, True), ("Photography (half day)", 38000, True), ("Project management", 11000, True),
    ),
    "retail": (
        ("Cotton T-shirt", 1800, False), ("Denim jeans", 5400, False), ("Running shoes", 8900, False),
        ("Canvas backpack", 4200, False), ("Water bottle", 1500, False), ("Wool beanie", 2200, False),
        ("Rain jacket", 11900, False), ("Yoga mat", 3400, False), ("Sunglasses", 6500, False),
        ("Leather wallet", 3900, False), ("Desk lamp", 4800, False), ("Ceramic mug", 1200, False),
        ("Gift card", 2500, False), ("Bluetooth speaker", 7900, False), ("Notebook set", 1400, False),
        ("Delivery", 799, True),
    ),
    "wholesale": (
        ("Arabica coffee beans (25 kg)", 42000, False), ("Green tea (10 kg)", 18500, False),
        ("Cocoa powder (20 kg)", 26000, False), ("Cane sugar (50 kg)", 9500, False),
        ("Olive oil (pallet)", 185000, False), ("Basmati rice (pallet)", 96000, False),
        ("Dried fruit mix (10 kg)", 8400, False), ("Spice assortment (crate)", 31000, False),
        ("Freight and handling", 15000, True), ("Cold storage (per week)", 7500, True),
    ),
}  # fmt: skip

#: What the business buys: (supplier trade, expense account key, typical bill in cents).
PURCHASES = (
    ("Office supplies", "officeExpenses", 18000), ("Software subscriptions", "subscriptions", 9900),
    ("Marketing agency", "advertising", 120000), ("Utilities", "utilities", 42000),
    ("Telecoms", "telephone", 8900), ("Accountancy", "accountancy", 95000), ("Travel agency", "travel", 38000),
    ("Cleaning services", "cleaning", 26000), ("Insurance", "insurance", 64000),
)  # fmt: skip
STOCK_PURCHASE = ("Stock supplier", "costOfSales", 0)

TRACKING_CATEGORIES = {
    "services": ("Department", ("Design", "Development", "Strategy", "Support")),
    "retail": ("Channel", ("Online store", "Flagship store", "Pop-up", "Marketplace")),
    "wholesale": ("Region", ("UK & Ireland", "DACH", "Benelux", "France", "North America")),
}
