"""Name and place lists for synthetic patients. Invented people; any likeness is chance."""

GIVEN_FEMALE = (
    "Olivia Emma Amelia Sophia Isabella Mia Charlotte Harper Evelyn Abigail Grace Chloe Zoe Lily Hannah Nora "
    "Maya Aisha Fatima Priya Ananya Mei Yuki Sakura Ingrid Freya Astrid Lucia Carmen Sofia Valentina Camila "
    "Gabriela Ana Maria Elena Katarzyna Agnieszka Zofia Siobhan Aoife Niamh Margaret Dorothy Patricia Linda "
    "Barbara Susan Karen Deborah Sandra Janet Joyce Helen Ruth Gloria Teresa Rosa Amara Chiamaka Adaeze Leila "
    "Yasmin Noor Hana Esther Miriam Rebecca Judith Aroha Mereana Kalani Talia Naomi Claire Fiona Heather"
).split()
GIVEN_MALE = (
    "Liam Noah Oliver James Elijah William Henry Lucas Benjamin Theodore Jack Samuel David Joseph Daniel "
    "Michael Matthew Andrew Thomas Robert John Richard Charles George Edward Arjun Rohan Vikram Wei Hiroshi "
    "Kenji Lars Erik Magnus Mateo Santiago Diego Alejandro Javier Carlos Luis Piotr Tomasz Krzysztof Jakub "
    "Ciaran Sean Declan Patrick Raymond Walter Gerald Harold Frank Dennis Kwame Chinedu Emeka Tariq Omar "
    "Yusuf Hamza Ibrahim Mohammed Ali Reza Amir Samir Nikolai Dmitri Ivan Tane Wiremu Kai Malik Darnell"
).split()
FAMILY = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
    "Rivera Campbell Mitchell Carter Roberts Patel Shah Singh Kaur Gupta Chen Wang Li Zhang Liu Tanaka Sato "
    "Suzuki Kim Park Choi Nowak Kowalski Wisniewski Murphy Kelly O'Brien Byrne Walsh O'Connor Andersen "
    "Johansson Larsen Nielsen Okafor Adeyemi Mensah Haddad Khalil Rahman Hussain Cohen Levi Novak Horvat "
    "Rossi Russo Ferrari Esposito Dubois Moreau Laurent Fischer Weber Schneider Becker MacDonald Fraser "
    "Stewart Morrison Ngata Parata Tuhiwai Fernandes Costa Silva Oliveira"
).split()
STREETS = (
    "Maple Street, Oak Avenue, Cedar Lane, Elm Road, Birch Close, Willow Way, Aspen Drive, Juniper Court, "
    "Harbour Road, Station Road, Mill Lane, Church Street, Park Avenue, Lakeview Drive, Prairie Trail, "
    "Ridge Road, Hillcrest Avenue, Riverside Walk, Meadow View, Orchard Street, Granite Place, Sunset Boulevard"
).split(", ")
LANGUAGES = (
    ("English", 80),
    ("Spanish", 7),
    ("French", 3),
    ("Polish", 2),
    ("Punjabi", 2),
    ("Mandarin", 2),
    ("Arabic", 1),
    ("Vietnamese", 1),
    ("Portuguese", 1),
    ("Tagalog", 1),
)

# The demo clinics: a Colorado physio practice, an English spine clinic, an Alberta multidisciplinary clinic.
CLINICS = (
    {
        "name": "Northside Physio & Needling",
        "address": "1450 Larimer Street, Denver, CO 80202",
        "phone": "+1 303 555 0142",
        "jurisdiction": "US-CO",
        "timezone": "America/Denver",
        "town": "Denver",
        "domain": "northside.example",
        "phone_prefix": "+1 303 555 ",
    },
    {
        "name": "Harbour Spine Clinic",
        "address": "22 Quay Street, Bristol BS1 4QA",
        "phone": "+44 117 496 0381",
        "jurisdiction": "GB-ENG",
        "timezone": "Europe/London",
        "town": "Bristol",
        "domain": "harbourspine.example",
        "phone_prefix": "+44 117 496 ",
    },
    {
        "name": "Prairie Multidisciplinary Clinic",
        "address": "10230 Jasper Avenue, Edmonton, AB T5J 4P6",
        "phone": "+1 780 555 0199",
        "jurisdiction": "CA-AB",
        "timezone": "America/Edmonton",
        "town": "Edmonton",
        "domain": "prairieclinic.example",
        "phone_prefix": "+1 780 555 ",
    },
)

# Staff of the first demo clinic: their logins are printed by `dryneedle demo`.
STAFF = (
    ("Rosa", "Alvarez", "clinic_admin", None),
    ("Daniel", "Okafor", "practitioner", "physiotherapist"),
    ("Mei", "Tanaka", "practitioner", "chiropractor"),
    ("Priya", "Raman", "practitioner", "physician"),
    ("Jordan", "Blake", "reception", None),
    ("Helen", "Marsh", "auditor", None),
)

EPISODE_NOTES = {
    "chronic_lbp": (
        "Low back pain for over a year, worse after long drives.",
        "Recurrent lumbar pain since lifting injury; poor sleep on bad days.",
        "Desk worker, pain builds through the day, eases with walking.",
    ),
    "acute_lbp": ("Sudden onset after gardening three days ago.", "Felt a twinge lifting a toddler; antalgic posture."),
    "sciatica": (
        "Left leg pain below the knee, worse sitting.",
        "Right buttock and posterior thigh pain, tingling to calf.",
    ),
    "myofascial_tp": (
        "Tender band in right quadratus lumborum reproduces familiar pain.",
        "Gluteus medius trigger points, pain over the iliac crest.",
    ),
    "muscle_strain": ("Paraspinal strain after a rugby tackle.", "Strained lower back moving furniture."),
    "postural_mechanical": ("Mid-back ache with prolonged laptop use.", "Stiffness after long shifts standing."),
    "facet_oa": ("Morning stiffness, extension-provoked pain, imaging shows facet arthropathy.",),
    "tendinopathy": ("Gluteal tendinopathy, lateral hip pain lying on the side.",),
    "headache": ("Tension-type headaches with upper trapezius tenderness.",),
    "sports_injury": ("Hamstring strain from sprinting, referred to clinic by coach.",),
}
