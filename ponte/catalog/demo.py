"""The demo catalog `load_demo` adds through the network's plug-in point (`extend_demo`).

First the real services of the Lombardy mapping (`import_mappatura`), then fictitious ones
for the 12 demo PUAs and the demo partners: every area, the three stages of the FairJob map,
languages, opening hours, phones, places in real Lombard municipalities, free places, some
entries in the public guide (a few translated), some not verified for months (stale), and
opportunities of every kind.

The holes are deliberate, so the gap analysis has something to show: housing and
anti-trafficking are active only in some provinces (HOUSING_STAGE, ANTI_TRAFFICKING_STAGE);
Sondrio, Lodi and Lecco have neither. Everything fictitious has is_demo=True and "(demo)" in
its name; phones use the unassigned "+39 000" prefix. Keyed by natural keys (organisation +
name, organisation + title), with dates counted from today, so a reload changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from ponte.accounts.models import User
from ponte.catalog.mappatura import SOURCE as MAPPATURA_SOURCE
from ponte.catalog.mappatura import import_mappatura
from ponte.catalog.models import (
    Location,
    Opportunity,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceLanguage,
    ServiceTopic,
    ServiceTranslation,
)
from ponte.catalog.services import search_text_for
from ponte.catalog.taxonomy import Area, Format, Presence, Stage
from ponte.network.demo import (
    CAPOLUOGO,
    DEMO_SOURCE,
    EMAIL_DOMAIN,
    MEDIATOR_LANGUAGES,
    PLATFORM_ADMIN,
    REGION,
    SHORT_NAMES,
)
from ponte.network.management.mappatura import MAPPATURA_CSV
from ponte.network.management.territories import TerritoryIndex, regions_data
from ponte.network.models import Organization, Territory

A, S = Area, Stage
Kind = Opportunity.Kind
# Days since the entry was last verified; None = never. Older than 183 days is stale.
AGES: list[int | None] = [7, 21, 200, 45, 60, 260, 90, 120, 400, 160, None, 30]
# (days, opens, closes, note): the same hours the demo PUAs' sites show.
PUA_HOURS = [
    [("MO,WE", "09:00", "13:00", ""), ("TH", "14:00", "18:00", "")],
    [("TU,FR", "09:00", "13:00", ""), ("WE", "14:00", "17:00", "su appuntamento")],
    [("MO,TU,WE,TH,FR", "09:00", "12:00", ""), ("TU", "15:00", "19:00", "serale per chi lavora")],
]
# The deliberate holes: the stage of the PUA's own service per province; absent = none at all.
HOUSING_STAGE = {
    "MI": S.ACTIVE,
    "BG": S.ACTIVE,
    "BS": S.ACTIVE,
    "MN": S.BEING_DESIGNED,
    "VA": S.BEING_DESIGNED,
    "MB": S.BEING_DESIGNED,
    "CO": S.TO_BE_DEVELOPED,
    "PV": S.TO_BE_DEVELOPED,
    "CR": S.TO_BE_DEVELOPED,
}
ANTI_TRAFFICKING_STAGE = {
    "MI": S.ACTIVE,
    "BG": S.ACTIVE,
    "MN": S.ACTIVE,
    "BS": S.BEING_DESIGNED,
    "VA": S.BEING_DESIGNED,
    "CR": S.TO_BE_DEVELOPED,
}
LEGAL_BEING_DESIGNED = {"SO", "LO"}


@dataclass
class Spec:
    """One demo service; `where` is a TerritoryIndex spec, `town` a "<sigla>:<name>" place."""

    org: str
    name: str
    areas: list[str]
    where: list[str]
    description: str = ""
    stage: str = S.ACTIVE
    languages: list[str] = field(default_factory=list)
    town: str = ""
    address: str = ""
    hours: list[tuple[str, str, str, str]] = field(default_factory=list)
    phone: str = ""
    age: int | None = 30
    public: bool = False
    without_permit: bool = False
    capacity: tuple[str, int, int] | None = None  # unit, available, maximum
    presence: str = Presence.IN_PERSON
    format: str = Format.INDIVIDUAL
    eligibility: str = ""
    access: str = ""
    objectives: str = ""
    duration: str = ""
    translations: str = ""  # key in TRANSLATIONS


@dataclass
class OpportunitySpec:
    org: str
    title: str
    kind: str
    service: str = ""  # name of a service of the same organisation
    starts: int | None = None  # days from today
    ends: int | None = None
    deadline: int | None = None
    seats: tuple[int, int] | None = None  # total, available
    italian_level: str = ""
    documents: str = ""
    licence: bool = False
    skills: str = ""
    without_permit: bool = False
    town: str = ""
    is_open: bool = True
    description: str = ""


# name, description per language of the public guide (en/fr/es/ar/ur/pa/bn).
TRANSLATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "pua": {
        "en": (
            "InLav Milano access point: listening and guidance (demo)",
            "Free and confidential: we listen, help you understand your rights at work and "
            "go with you to the services you need. Mediators speak your language.",
        ),
        "fr": (
            "Point d'accès InLav Milan : écoute et orientation (démo)",
            "Gratuit et confidentiel : nous vous écoutons, vous aidons à connaître vos droits "
            "au travail et vous accompagnons vers les services dont vous avez besoin. Des "
            "médiateurs parlent votre langue.",
        ),
        "es": (
            "Punto de acceso InLav Milán: escucha y orientación (demo)",
            "Gratuito y confidencial: te escuchamos, te ayudamos a conocer tus derechos en el "
            "trabajo y te acompañamos a los servicios que necesitas. Hay mediadores que hablan "
            "tu idioma.",
        ),
        "ar": (
            "نقطة الوصول InLav ميلانو: الاستماع والتوجيه (تجريبي)",
            "مجاني وسري: نستمع إليك، ونساعدك على معرفة حقوقك في العمل، ونرافقك إلى الخدمات "
            "التي تحتاجها. يتحدث الوسطاء لغتك.",
        ),
        "ur": (
            "InLav میلانو رسائی مرکز: سننا اور رہنمائی (ڈیمو)",
            "مفت اور خفیہ: ہم آپ کی بات سنتے ہیں، کام پر آپ کے حقوق سمجھنے میں مدد کرتے ہیں "
            "اور ضرورت کی خدمات تک آپ کے ساتھ جاتے ہیں۔ ثالث آپ کی زبان بولتے ہیں۔",
        ),
        "pa": (
            "InLav ਮਿਲਾਨ ਪਹੁੰਚ ਕੇਂਦਰ: ਸੁਣਨਾ ਅਤੇ ਮਾਰਗਦਰਸ਼ਨ (ਡੈਮੋ)",
            "ਮੁਫ਼ਤ ਅਤੇ ਗੁਪਤ: ਅਸੀਂ ਤੁਹਾਡੀ ਗੱਲ ਸੁਣਦੇ ਹਾਂ, ਕੰਮ ਉੱਤੇ ਤੁਹਾਡੇ ਹੱਕ ਸਮਝਣ ਵਿੱਚ ਮਦਦ ਕਰਦੇ "
            "ਹਾਂ ਅਤੇ ਲੋੜੀਂਦੀਆਂ ਸੇਵਾਵਾਂ ਤੱਕ ਤੁਹਾਡੇ ਨਾਲ ਜਾਂਦੇ ਹਾਂ। ਵਿਚੋਲੇ ਤੁਹਾਡੀ ਭਾਸ਼ਾ ਬੋਲਦੇ ਹਨ।",
        ),
        "bn": (
            "InLav মিলান প্রবেশ কেন্দ্র: কথা শোনা ও দিকনির্দেশনা (ডেমো)",
            "বিনামূল্যে ও গোপনীয়: আমরা আপনার কথা শুনি, কাজের জায়গায় আপনার অধিকার বুঝতে "
            "সাহায্য করি এবং প্রয়োজনীয় সেবায় আপনার সঙ্গে যাই। মধ্যস্থতাকারীরা আপনার ভাষায় "
            "কথা বলেন।",
        ),
    },
    "cpia": {
        "en": (
            "Italian courses for adults, levels A1-A2 (demo)",
            "Free Italian classes in the evening, with a certificate at the end. You can "
            "enrol even without a residence permit.",
        ),
        "fr": (
            "Cours d'italien pour adultes, niveaux A1-A2 (démo)",
            "Cours d'italien gratuits le soir, avec une attestation à la fin. Inscription "
            "possible même sans titre de séjour.",
        ),
        "es": (
            "Cursos de italiano para adultos, niveles A1-A2 (demo)",
            "Clases de italiano gratuitas por la tarde, con certificado al final. Puedes "
            "inscribirte incluso sin permiso de residencia.",
        ),
        "ar": (
            "دروس اللغة الإيطالية للكبار، المستويان A1-A2 (تجريبي)",
            "دروس مجانية في اللغة الإيطالية مساءً، مع شهادة في النهاية. يمكنك التسجيل حتى "
            "بدون تصريح إقامة.",
        ),
        "ur": (
            "بالغوں کے لیے اطالوی زبان کے کورس، سطح A1-A2 (ڈیمو)",
            "شام کے وقت مفت اطالوی کلاسیں، آخر میں سرٹیفکیٹ کے ساتھ۔ رہائشی اجازت نامے کے "
            "بغیر بھی داخلہ لیا جا سکتا ہے۔",
        ),
        "pa": (
            "ਬਾਲਗਾਂ ਲਈ ਇਤਾਲਵੀ ਭਾਸ਼ਾ ਦੇ ਕੋਰਸ, ਪੱਧਰ A1-A2 (ਡੈਮੋ)",
            "ਸ਼ਾਮ ਨੂੰ ਮੁਫ਼ਤ ਇਤਾਲਵੀ ਕਲਾਸਾਂ, ਅੰਤ ਵਿੱਚ ਸਰਟੀਫਿਕੇਟ ਦੇ ਨਾਲ। ਰਿਹਾਇਸ਼ੀ ਪਰਮਿਟ ਤੋਂ ਬਿਨਾਂ "
            "ਵੀ ਦਾਖ਼ਲਾ ਲਿਆ ਜਾ ਸਕਦਾ ਹੈ।",
        ),
        "bn": (
            "প্রাপ্তবয়স্কদের জন্য ইতালীয় ভাষার কোর্স, স্তর A1-A2 (ডেমো)",
            "সন্ধ্যায় বিনামূল্যে ইতালীয় ক্লাস, শেষে সনদপত্রসহ। বসবাসের অনুমতিপত্র ছাড়াও ভর্তি হওয়া যায়।",
        ),
    },
    "stp": {
        "en": (
            "Health clinic for people without a residence permit (STP) (demo)",
            "Urgent and essential care with an STP code, free and anonymous: going to the "
            "doctor does not lead to a report to the police.",
        ),
        "fr": (
            "Consultation médicale pour personnes sans titre de séjour (STP) (démo)",
            "Soins urgents et essentiels avec un code STP, gratuits et anonymes : aller chez "
            "le médecin n'entraîne aucun signalement à la police.",
        ),
        "es": (
            "Consultorio para personas sin permiso de residencia (STP) (demo)",
            "Atención urgente y esencial con un código STP, gratuita y anónima: ir al médico "
            "no significa ser denunciado a la policía.",
        ),
        "ar": (
            "عيادة صحية للأشخاص بدون تصريح إقامة (STP) (تجريبي)",
            "رعاية عاجلة وأساسية برمز STP، مجانية ومجهولة الهوية: الذهاب إلى الطبيب لا يؤدي "
            "إلى إبلاغ الشرطة.",
        ),
        "ur": (
            "بغیر رہائشی اجازت نامے والے افراد کے لیے کلینک (STP) (ڈیمو)",
            "STP کوڈ کے ساتھ فوری اور ضروری علاج، مفت اور گمنام: ڈاکٹر کے پاس جانے سے پولیس "
            "کو اطلاع نہیں دی جاتی۔",
        ),
        "pa": (
            "ਰਿਹਾਇਸ਼ੀ ਪਰਮਿਟ ਤੋਂ ਬਿਨਾਂ ਲੋਕਾਂ ਲਈ ਕਲੀਨਿਕ (STP) (ਡੈਮੋ)",
            "STP ਕੋਡ ਨਾਲ ਜ਼ਰੂਰੀ ਅਤੇ ਐਮਰਜੈਂਸੀ ਇਲਾਜ, ਮੁਫ਼ਤ ਅਤੇ ਗੁਮਨਾਮ: ਡਾਕਟਰ ਕੋਲ ਜਾਣ ਨਾਲ ਪੁਲਿਸ "
            "ਨੂੰ ਕੋਈ ਸੂਚਨਾ ਨਹੀਂ ਦਿੱਤੀ ਜਾਂਦੀ।",
        ),
        "bn": (
            "বসবাসের অনুমতিপত্র ছাড়া মানুষের জন্য স্বাস্থ্য ক্লিনিক (STP) (ডেমো)",
            "STP কোড দিয়ে জরুরি ও প্রয়োজনীয় চিকিৎসা, বিনামূল্যে ও পরিচয় গোপন রেখে: ডাক্তারের "
            "কাছে গেলে পুলিশকে জানানো হয় না।",
        ),
    },
    "antitratta": {
        "en": (
            "Protection for victims of trafficking and severe exploitation (demo)",
            "If someone keeps your documents, takes your wages or threatens you, you can get "
            "help and protection, even without reporting to the police. National "
            "anti-trafficking helpline: 800 290 290, free, 24 hours.",
        ),
        "fr": (
            "Protection des victimes de traite et d'exploitation grave (démo)",
            "Si quelqu'un garde vos papiers, prend votre salaire ou vous menace, vous pouvez "
            "recevoir aide et protection, même sans porter plainte. Numéro vert national "
            "anti-traite : 800 290 290, gratuit, 24 h/24.",
        ),
        "es": (
            "Protección para víctimas de trata y explotación grave (demo)",
            "Si alguien se queda con tus documentos, tu salario o te amenaza, puedes recibir "
            "ayuda y protección, incluso sin denunciar. Línea nacional contra la trata: "
            "800 290 290, gratuita, 24 horas.",
        ),
        "ar": (
            "الحماية لضحايا الاتجار بالبشر والاستغلال الشديد (تجريبي)",
            "إذا احتفظ أحدهم بوثائقك أو أخذ أجرك أو هددك، يمكنك الحصول على المساعدة والحماية "
            "حتى دون تقديم شكوى. الرقم الوطني المجاني لمكافحة الاتجار: 800 290 290، على مدار "
            "24 ساعة.",
        ),
        "ur": (
            "انسانی اسمگلنگ اور شدید استحصال کے متاثرین کے لیے تحفظ (ڈیمو)",
            "اگر کوئی آپ کے کاغذات رکھ لے، آپ کی اجرت لے لے یا آپ کو دھمکائے تو آپ شکایت درج "
            "کیے بغیر بھی مدد اور تحفظ حاصل کر سکتے ہیں۔ قومی انسدادِ اسمگلنگ ہیلپ لائن: "
            "800 290 290، مفت، چوبیس گھنٹے۔",
        ),
        "pa": (
            "ਮਨੁੱਖੀ ਤਸਕਰੀ ਅਤੇ ਗੰਭੀਰ ਸ਼ੋਸ਼ਣ ਦੇ ਪੀੜਤਾਂ ਲਈ ਸੁਰੱਖਿਆ (ਡੈਮੋ)",
            "ਜੇ ਕੋਈ ਤੁਹਾਡੇ ਕਾਗਜ਼ ਰੱਖ ਲੈਂਦਾ ਹੈ, ਤੁਹਾਡੀ ਤਨਖਾਹ ਲੈ ਲੈਂਦਾ ਹੈ ਜਾਂ ਤੁਹਾਨੂੰ ਧਮਕਾਉਂਦਾ ਹੈ, "
            "ਤਾਂ ਤੁਸੀਂ ਸ਼ਿਕਾਇਤ ਕੀਤੇ ਬਿਨਾਂ ਵੀ ਮਦਦ ਅਤੇ ਸੁਰੱਖਿਆ ਲੈ ਸਕਦੇ ਹੋ। ਰਾਸ਼ਟਰੀ ਤਸਕਰੀ-ਵਿਰੋਧੀ "
            "ਹੈਲਪਲਾਈਨ: 800 290 290, ਮੁਫ਼ਤ, 24 ਘੰਟੇ।",
        ),
        "bn": (
            "মানবপাচার ও গুরুতর শোষণের শিকারদের জন্য সুরক্ষা (ডেমো)",
            "কেউ যদি আপনার কাগজপত্র রেখে দেয়, আপনার মজুরি নিয়ে নেয় বা আপনাকে হুমকি দেয়, "
            "তাহলে অভিযোগ না করেও আপনি সাহায্য ও সুরক্ষা পেতে পারেন। জাতীয় পাচারবিরোধী "
            "হেল্পলাইন: 800 290 290, বিনামূল্যে, ২৪ ঘণ্টা।",
        ),
    },
    "vertenze": {
        "en": (
            "Help desk for riders and logistics workers: pay and contracts (demo)",
            "Unpaid hours, no contract, an account rented from someone else: the union checks "
            "your pay slips and helps you claim what you are owed.",
        ),
        "ur": (
            "رائیڈرز اور لاجسٹکس کارکنوں کے لیے ہیلپ ڈیسک: اجرت اور معاہدے (ڈیمو)",
            "بغیر ادائیگی کے گھنٹے، معاہدہ نہ ہونا، کسی اور سے کرائے پر لیا گیا اکاؤنٹ: یونین "
            "آپ کی تنخواہ کی پرچیاں دیکھتی ہے اور آپ کا حق دلانے میں مدد کرتی ہے۔",
        ),
        "pa": (
            "ਰਾਈਡਰਾਂ ਅਤੇ ਲੌਜਿਸਟਿਕਸ ਕਾਮਿਆਂ ਲਈ ਸਹਾਇਤਾ ਡੈਸਕ: ਤਨਖਾਹ ਅਤੇ ਇਕਰਾਰਨਾਮੇ (ਡੈਮੋ)",
            "ਬਿਨਾਂ ਭੁਗਤਾਨ ਦੇ ਘੰਟੇ, ਕੋਈ ਇਕਰਾਰਨਾਮਾ ਨਹੀਂ, ਕਿਸੇ ਹੋਰ ਤੋਂ ਕਿਰਾਏ 'ਤੇ ਲਿਆ ਖਾਤਾ: ਯੂਨੀਅਨ "
            "ਤੁਹਾਡੀਆਂ ਤਨਖਾਹ ਪਰਚੀਆਂ ਦੇਖਦੀ ਹੈ ਅਤੇ ਤੁਹਾਡਾ ਬਕਾਇਆ ਲੈਣ ਵਿੱਚ ਮਦਦ ਕਰਦੀ ਹੈ।",
        ),
        "bn": (
            "রাইডার ও লজিস্টিকস কর্মীদের জন্য সহায়তা ডেস্ক: মজুরি ও চুক্তি (ডেমো)",
            "মজুরি ছাড়া কাজের ঘণ্টা, চুক্তি নেই, অন্যের কাছ থেকে ভাড়া নেওয়া অ্যাকাউন্ট: "
            "ইউনিয়ন আপনার বেতনের স্লিপ দেখে এবং আপনার পাওনা আদায়ে সাহায্য করে।",
        ),
    },
}

PARTNER_SERVICES: list[Spec] = [
    Spec(
        "Centro per l'Impiego di Milano (demo)",
        "Iscrizione al CPI e patto di servizio personalizzato (demo)",
        [A.JOB_PLACEMENT, A.WORK_GUIDANCE],
        ["province:MI"],
        "Dichiarazione di disponibilità, colloquio di orientamento e accesso ai percorsi di "
        "politica attiva (GOL). Su invio del PUA anche con mediatore.",
        languages=["en", "fr", "ar"],
        town="MI:Milano",
        address="Via del Lavoro 12",
        hours=[("MO,TU,WE,TH,FR", "08:30", "12:30", "")],
        phone="+39 000 100 0001",
        age=21,
        public=True,
        eligibility="Persone disoccupate o a rischio, con permesso che consente il lavoro.",
        access="Su appuntamento, anche su invio del PUA.",
    ),
    Spec(
        "CPIA Milano Est (demo)",
        "Corsi di italiano per adulti, livelli A1-A2 (demo)",
        [A.ITALIAN_LANGUAGE],
        ["province:MI"],
        "Corsi serali gratuiti di lingua italiana con test finale e attestato; accoglienza "
        "con mediatori nelle prime settimane.",
        languages=["ar", "bn", "pa", "ur", "fr", "en", "es"],
        town="MI:Pioltello",
        address="Via della Scuola 3",
        hours=[("MO,WE", "18:00", "20:30", "")],
        phone="+39 000 100 0002",
        age=45,
        public=True,
        without_permit=True,
        capacity=("posti nei corsi", 12, 60),
        format=Format.GROUP,
        objectives="Comunicare nella vita quotidiana e al lavoro; livello A2 per il permesso "
        "di lungo periodo.",
        duration="100 ore per livello",
        translations="cpia",
    ),
    Spec(
        "CPIA Milano Est (demo)",
        "Percorso per la licenza media per adulti (demo)",
        [A.TRAINING],
        ["province:MI"],
        "Primo periodo didattico serale per il diploma conclusivo del primo ciclo.",
        stage=S.BEING_DESIGNED,
        town="MI:Pioltello",
        format=Format.GROUP,
        age=None,
    ),
    Spec(
        "Centro di formazione professionale Arti e Lavoro (demo)",
        "Corso carrellista e sicurezza in magazzino (demo)",
        [A.TRAINING],
        ["province:MI"],
        "Corso teorico-pratico per la conduzione di carrelli elevatori, con formazione "
        "generale e specifica sulla sicurezza.",
        languages=["en"],
        town="MI:Sesto San Giovanni",
        address="Via dell'Industria 40",
        hours=[("MO,TU,WE,TH,FR", "09:00", "17:00", "durante i corsi")],
        phone="+39 000 100 0003",
        age=60,
        format=Format.GROUP,
        duration="40 ore",
        objectives="Abilitazione alla conduzione di carrelli elevatori (accordo Stato-Regioni).",
    ),
    Spec(
        "Centro di formazione professionale Arti e Lavoro (demo)",
        "Tirocini in logistica e ristorazione (demo)",
        [A.INTERNSHIPS, A.TRAINING],
        ["province:MI"],
        "Tirocini extracurricolari di 6 mesi con indennità, tutor aziendale e tutor del CFP.",
        languages=["en", "fr"],
        town="MI:Sesto San Giovanni",
        address="Via dell'Industria 40",
        phone="+39 000 100 0003",
        age=200,
        capacity=("tirocini", 2, 8),
    ),
    Spec(
        "SAI – Accoglienza integrata Milano (demo)",
        "Accoglienza integrata SAI per singoli e nuclei (demo)",
        [A.RECEPTION, A.HOUSING_TEMPORARY, A.MEDIATION],
        ["ambito:Milano"],
        "Accoglienza in appartamenti con orientamento legale, corsi di italiano e "
        "accompagnamento al lavoro. Ingresso su segnalazione del Servizio centrale.",
        languages=["ar", "fr", "en", "bn"],
        town="MI:Milano",
        age=120,
        capacity=("posti letto", 3, 40),
        eligibility="Richiedenti e titolari di protezione; vittime di tratta e di "
        "sfruttamento con permesso art. 18.",
    ),
    Spec(
        "CAS – Centro di accoglienza straordinaria Via dei Tigli (demo)",
        "Prima accoglienza straordinaria (demo)",
        [A.RECEPTION, A.HOUSING_EMERGENCY],
        ["province:MI"],
        "Vitto, alloggio e orientamento di base per richiedenti asilo inviati dalla Prefettura.",
        languages=["fr", "en", "wo"],
        town="MI:Milano",
        age=400,
        capacity=("posti letto", 0, 80),
    ),
    Spec(
        "Caritas – Centro di ascolto Sant'Anna (demo)",
        "Centro di ascolto e distribuzione viveri (demo)",
        [A.BASIC_NEEDS, A.ECONOMIC_SUPPORT],
        ["ambito:Milano"],
        "Ascolto, pacchi alimentari, vestiti, aiuto per bollette e affitto in emergenza.",
        languages=["es", "fr", "sq"],
        town="MI:Milano",
        address="Piazza della Chiesa 2",
        hours=[("TU,TH", "09:30", "12:00", ""), ("SA", "10:00", "12:00", "")],
        phone="+39 000 100 0004",
        age=30,
        public=True,
        without_permit=True,
    ),
    Spec(
        "Caritas – Centro di ascolto Sant'Anna (demo)",
        "Dormitorio del piano freddo (demo)",
        [A.HOUSING_EMERGENCY, A.BASIC_NEEDS],
        ["ambito:Milano"],
        "Posti letto da dicembre a marzo, cena e colazione; accesso dalle 19.",
        town="MI:Milano",
        hours=[("MO,TU,WE,TH,FR,SA,SU", "19:00", "08:00", "da dicembre a marzo")],
        age=260,
        without_permit=True,
        capacity=("posti letto", 6, 30),
    ),
    Spec(
        "Rete antitratta Nodi (demo)",
        "Emersione e protezione per vittime di tratta e grave sfruttamento (demo)",
        [A.ANTI_TRAFFICKING, A.LEGAL],
        ["province:MI", "province:BG"],
        "Colloqui di emersione, valutazione, accoglienza protetta e Programma unico "
        "(art. 18 D.Lgs. 286/1998), anche senza denuncia. Numero Verde Antitratta "
        "800 290 290.",
        languages=["en", "fr", "es", "ar", "ur", "pa", "bn"],
        town="MI:Milano",
        phone="+39 000 100 0005",
        age=7,
        public=True,
        without_permit=True,
        translations="antitratta",
    ),
    Spec(
        "Rete antitratta Nodi (demo)",
        "Unità di strada nei luoghi del lavoro agricolo e logistico (demo)",
        [A.ANTI_TRAFFICKING, A.MEDIATION],
        ["province:MI"],
        "Uscite serali ai poli logistici e all'alba nei punti di raccolta dei braccianti.",
        languages=["pa", "ur", "bn", "wo"],
        hours=[("TU,FR", "05:00", "08:00", "punti di raccolta"), ("TH", "21:00", "23:30", "")],
        age=90,
        without_permit=True,
    ),
    Spec(
        "Sindacato lavoratori dei trasporti e dei servizi (demo)",
        "Sportello vertenze per rider e lavoratori della logistica (demo)",
        [A.LABOUR_DISPUTES, A.LEGAL],
        ["province:MI"],
        "Controllo di buste paga e contratti, conciliazioni e vertenze; informazioni su "
        "account affittati e caporalato digitale.",
        languages=["ur", "pa", "bn", "ar", "en"],
        town="MI:Milano",
        address="Viale dei Lavoratori 5",
        hours=[("TU,TH", "17:00", "20:00", "")],
        phone="+39 000 100 0006",
        age=60,
        public=True,
        without_permit=True,
        translations="vertenze",
    ),
    Spec(
        "Patronato Lavoro e Diritti (demo)",
        "Permesso di soggiorno, cittadinanza e ricongiungimento (demo)",
        [A.LEGAL],
        ["province:MI"],
        "Compilazione dei kit postali, rinnovi, conversioni, domande di cittadinanza e "
        "ricongiungimento familiare.",
        languages=["sq", "ar", "fr"],
        town="MI:Cinisello Balsamo",
        address="Via Roma 18",
        hours=[("MO,WE,FR", "09:00", "12:30", "")],
        phone="+39 000 100 0007",
        age=280,
    ),
    Spec(
        "Associazione Mediatori di Comunità (demo)",
        "Mediazione linguistico-culturale su chiamata (demo)",
        [A.MEDIATION],
        ["province:MI"],
        "Mediatori per colloqui ai servizi, in presenza o in videochiamata, con 48 ore di "
        "preavviso.",
        languages=["ar", "pa", "ur", "bn", "wo", "sq", "fr", "en", "es"],
        presence=Presence.BOTH,
        phone="+39 000 100 0008",
        age=150,
    ),
    Spec(
        "ASST Milano Nord (demo)",
        "Ambulatorio STP per persone senza permesso di soggiorno (demo)",
        [A.HEALTH],
        ["province:MI"],
        "Cure urgenti ed essenziali con codice STP; nessuna segnalazione all'autorità "
        "(art. 35 D.Lgs. 286/1998).",
        languages=["ar", "fr", "en", "es"],
        town="MI:Sesto San Giovanni",
        address="Via dell'Ospedale 1",
        hours=[("MO,TU,WE,TH,FR", "09:00", "12:00", "")],
        phone="+39 000 100 0009",
        age=21,
        public=True,
        without_permit=True,
        translations="stp",
    ),
    Spec(
        "ASST Milano Nord (demo)",
        "Supporto psicologico transculturale (demo)",
        [A.HEALTH, A.MEDIATION],
        ["province:MI"],
        "Colloqui con psicologo e mediatore per persone uscite da situazioni di sfruttamento.",
        stage=S.BEING_DESIGNED,
        age=None,
    ),
    Spec(
        "ATS Città Metropolitana (demo)",
        "Salute e sicurezza sul lavoro per lavoratori stranieri (demo)",
        [A.HEALTH, A.LABOUR_DISPUTES],
        ["province:MI"],
        "Informazione sui rischi e sui diritti in caso di infortunio, nelle lingue più parlate.",
        stage=S.TO_BE_DEVELOPED,
        age=None,
    ),
    Spec(
        "Ispettorato territoriale del lavoro di Milano (demo)",
        "Segnalazioni di lavoro irregolare e sfruttamento (demo)",
        [A.LABOUR_DISPUTES, A.ANTI_TRAFFICKING],
        ["province:MI"],
        "Raccolta di segnalazioni, anche tramite PUA e sindacati; vigilanza con mediatori.",
        languages=["en"],
        town="MI:Milano",
        phone="+39 000 100 0010",
        age=110,
    ),
    Spec(
        "Prefettura – Consiglio territoriale per l'immigrazione (demo)",
        "Sportello unico per l'immigrazione: informazioni (demo)",
        [A.LEGAL],
        ["province:MI"],
        "Informazioni su nulla osta, conversioni e procedure di emersione.",
        town="MI:Milano",
        age=400,
    ),
    Spec(
        "Questura – Ufficio immigrazione (demo)",
        "Rinnovo del permesso di soggiorno su appuntamento (demo)",
        [A.LEGAL],
        ["province:MI"],
        "Fotosegnalamento e ritiro dei permessi; appuntamenti tramite il kit postale.",
        languages=["en", "fr"],
        town="MI:Milano",
        age=75,
    ),
    Spec(
        "INPS – Sede territoriale Milano Nord (demo)",
        "Prestazioni e assegni per lavoratori stranieri (demo)",
        [A.ECONOMIC_SUPPORT],
        ["province:MI"],
        "Disoccupazione NASpI, assegno unico, verifica dei contributi versati.",
        town="MI:Sesto San Giovanni",
        age=190,
    ),
    Spec(
        "Fondazione di Comunità Nord Milano (demo)",
        "Microcredito per il primo alloggio (demo)",
        [A.ECONOMIC_SUPPORT, A.HOUSING_TEMPORARY],
        ["province:MI"],
        "Prestiti senza interessi per caparra e primo affitto a chi ha un contratto di lavoro.",
        stage=S.BEING_DESIGNED,
        age=None,
    ),
    Spec(
        "Cooperativa sociale Approdo (demo)",
        "Accompagnamento all'autonomia abitativa (demo)",
        [A.HOUSING_TEMPORARY, A.WORK_GUIDANCE],
        ["ambito:Milano"],
        "Appartamenti di transizione e ricerca della casa per chi esce da percorsi di "
        "protezione o di accoglienza.",
        languages=["ar", "fr"],
        town="MI:Milano",
        age=40,
        capacity=("posti in appartamento", 2, 10),
    ),
    Spec(
        "Istituto professionale Galilei (demo)",
        "Corso serale di qualifica in manutenzione (demo)",
        [A.TRAINING],
        ["province:MI"],
        "Qualifica triennale in orario serale per adulti lavoratori.",
        stage=S.BEING_DESIGNED,
        format=Format.GROUP,
        age=None,
    ),
    Spec(
        "Camera di commercio (demo)",
        "Orientamento all'avvio d'impresa per cittadini stranieri (demo)",
        [A.WORK_GUIDANCE, A.TRAINING],
        ["province:MI"],
        "Percorsi brevi su partita IVA, autorizzazioni e accesso al credito.",
        stage=S.TO_BE_DEVELOPED,
        age=None,
    ),
    Spec(
        "Associazione imprese della logistica (demo)",
        "Incontro domanda-offerta nella logistica (demo)",
        [A.JOB_PLACEMENT],
        ["province:MI"],
        "Le imprese associate segnalano i posti; il PUA propone candidature accompagnate.",
        age=55,
    ),
    Spec(
        "Agenzia internazionale per le migrazioni – ufficio di Milano (demo)",
        "Informazione sui diritti per lavoratori stagionali (demo)",
        [A.ANTI_TRAFFICKING, A.LEGAL],
        [f"region:{REGION}"],
        "Materiali e incontri informativi multilingue nei luoghi di lavoro stagionale.",
        stage=S.BEING_DESIGNED,
        languages=["en", "fr", "pa", "bn"],
        age=None,
    ),
    Spec(
        "Comune di Borgo Lambro (demo)",
        "Pronto intervento abitativo comunale (demo)",
        [A.HOUSING_EMERGENCY],
        ["ambito:Melzo"],
        "Ospitalità temporanea in emergenza per nuclei sfrattati o senza dimora.",
        town="MI:Melzo",
        age=330,
        capacity=("posti letto", 1, 6),
    ),
    Spec(
        "Ufficio di Piano Ambito Navigli (demo)",
        "Contributi per l'affitto e la morosità incolpevole (demo)",
        [A.ECONOMIC_SUPPORT],
        ["ambito:Magenta"],
        "Bando annuale per il sostegno al pagamento dell'affitto.",
        town="MI:Magenta",
        age=100,
    ),
    Spec(
        "Centro per l'Impiego di Bergamo (demo)",
        "Politiche attive per lavoratori agricoli stagionali (demo)",
        [A.JOB_PLACEMENT, A.WORK_GUIDANCE],
        ["province:BG"],
        "Iscrizione, bilancio delle competenze e preselezione per le aziende agricole.",
        languages=["pa", "ur", "hi", "en"],
        town="BG:Bergamo",
        address="Via del Lavoro 8",
        hours=[("MO,TU,WE,TH,FR", "08:30", "12:30", "")],
        phone="+39 000 100 0011",
        age=35,
    ),
    Spec(
        "Sindacato lavoratori agroalimentari Bergamo (demo)",
        "Sportello vertenze nei campi (demo)",
        [A.LABOUR_DISPUTES],
        ["province:BG"],
        "Verifica di ore, paghe e contratti agricoli; vertenze e denunce con il sindacato.",
        languages=["pa", "ur", "hi", "wo", "fr"],
        town="BG:Treviglio",
        hours=[("SU", "17:00", "20:00", "anche al mercato del sabato")],
        phone="+39 000 100 0012",
        age=20,
        public=True,
        without_permit=True,
    ),
    Spec(
        "Cooperativa sociale Terra Buona (demo)",
        "Tirocini in agricoltura sociale (demo)",
        [A.INTERNSHIPS, A.TRAINING],
        ["province:BG"],
        "Tirocini in orticoltura biologica con tutor e corso sulla sicurezza.",
        languages=["en", "fr"],
        town="BG:Treviglio",
        age=215,
        capacity=("tirocini", 1, 4),
    ),
    Spec(
        "Ispettorato territoriale del lavoro di Bergamo (demo)",
        "Vigilanza congiunta nei campi con mediatori (demo)",
        [A.LABOUR_DISPUTES, A.ANTI_TRAFFICKING],
        ["province:BG"],
        "Ispezioni con mediatori e invio al PUA delle persone che lo chiedono.",
        age=130,
    ),
    Spec(
        "Centro per l'Impiego di Mantova (demo)",
        "Incontro domanda-offerta per il lavoro agricolo (demo)",
        [A.JOB_PLACEMENT],
        ["province:MN"],
        "Liste di disponibilità per la stagione e contratti regolari con le aziende del consorzio.",
        languages=["pa", "hi"],
        town="MN:Mantova",
        phone="+39 000 100 0013",
        age=220,
    ),
    Spec(
        "Sindacato lavoratori agroalimentari Mantova (demo)",
        "Sindacato di strada nei distretti agricoli (demo)",
        [A.LABOUR_DISPUTES, A.ANTI_TRAFFICKING],
        ["province:MN"],
        "Camper del sindacato nei luoghi di raccolta: informazione, tessera, vertenze.",
        languages=["pa", "hi", "ur", "ar"],
        town="MN:Viadana",
        hours=[("SA", "06:00", "09:00", "punti di raccolta")],
        age=14,
        without_permit=True,
    ),
    Spec(
        "Associazione Casa Aperta (demo)",
        "Appartamenti condivisi in semi-autonomia (demo)",
        [A.HOUSING_SHARED, A.HOUSING_TEMPORARY],
        ["ambito:Suzzara"],
        "Posti in appartamenti condivisi per lavoratori con contratto o tirocinio, per 12 mesi.",
        languages=["ar", "fr"],
        town="MN:Suzzara",
        phone="+39 000 100 0014",
        age=80,
        capacity=("posti in appartamento", 2, 12),
    ),
    Spec(
        "Prefettura di Mantova – tavolo caporalato (demo)",
        "Trasporto gratuito verso i campi (demo)",
        [A.ANTI_TRAFFICKING, A.BASIC_NEEDS],
        ["province:MN"],
        "Navette all'alba dai centri abitati alle aziende, per togliere il trasporto ai caporali.",
        stage=S.BEING_DESIGNED,
        age=None,
    ),
]

OPPORTUNITIES: list[OpportunitySpec] = [
    OpportunitySpec(
        "CPIA Milano Est (demo)",
        "Italiano A1 serale – edizione autunnale (demo)",
        Kind.COURSE,
        "Corsi di italiano per adulti, livelli A1-A2 (demo)",
        starts=21,
        ends=140,
        deadline=14,
        seats=(25, 7),
        without_permit=True,
        town="MI:Pioltello",
    ),
    OpportunitySpec(
        "CPIA Milano Est (demo)",
        "Italiano A2 – edizione intensiva (demo)",
        Kind.COURSE,
        "Corsi di italiano per adulti, livelli A1-A2 (demo)",
        starts=60,
        ends=120,
        deadline=45,
        seats=(20, 20),
        italian_level="A1",
        without_permit=True,
        town="MI:Pioltello",
    ),
    OpportunitySpec(
        "CPIA Milano Est (demo)",
        "Italiano A1 – edizione primaverile (demo)",
        Kind.COURSE,
        "Corsi di italiano per adulti, livelli A1-A2 (demo)",
        starts=-120,
        ends=-10,
        deadline=-130,
        seats=(25, 0),
        town="MI:Pioltello",
        is_open=False,
    ),
    OpportunitySpec(
        "Centro di formazione professionale Arti e Lavoro (demo)",
        "Corso carrellista e sicurezza – 40 ore (demo)",
        Kind.COURSE,
        "Corso carrellista e sicurezza in magazzino (demo)",
        starts=30,
        ends=44,
        deadline=20,
        seats=(15, 4),
        italian_level="A2",
        documents="Permesso di soggiorno valido; codice fiscale.",
        town="MI:Sesto San Giovanni",
    ),
    OpportunitySpec(
        "Centro di formazione professionale Arti e Lavoro (demo)",
        "Tirocinio addetto/a di cucina – 6 mesi (demo)",
        Kind.INTERNSHIP,
        "Tirocini in logistica e ristorazione (demo)",
        starts=15,
        ends=195,
        deadline=10,
        seats=(3, 2),
        italian_level="A2",
        documents="Permesso di soggiorno valido; iscrizione al CPI.",
        skills="Attestato HACCP (si ottiene durante il tirocinio).",
        town="MI:Sesto San Giovanni",
    ),
    OpportunitySpec(
        "Centro per l'Impiego di Milano (demo)",
        "Addetto/a pulizie industriali – part-time (demo)",
        Kind.VACANCY,
        "Iscrizione al CPI e patto di servizio personalizzato (demo)",
        starts=30,
        deadline=25,
        seats=(2, 2),
        italian_level="A1",
        documents="Permesso di soggiorno che consente il lavoro.",
        town="MI:Milano",
    ),
    OpportunitySpec(
        "Associazione imprese della logistica (demo)",
        "Addetto/a picking – tempo determinato 6 mesi (demo)",
        Kind.VACANCY,
        "Incontro domanda-offerta nella logistica (demo)",
        starts=20,
        ends=200,
        deadline=12,
        seats=(10, 6),
        italian_level="A1",
        documents="Permesso di soggiorno che consente il lavoro.",
        town="MI:Rho",
    ),
    OpportunitySpec(
        "Magazzino Logistico Nord srl (demo)",
        "Autista consegne con patente B (demo)",
        Kind.VACANCY,
        starts=15,
        deadline=9,
        seats=(2, 1),
        italian_level="A2",
        licence=True,
        documents="Patente B valida in Italia; permesso che consente il lavoro.",
        town="MI:Rho",
    ),
    OpportunitySpec(
        "Centro per l'Impiego di Bergamo (demo)",
        "Vendemmia in Valcalepio – contratto stagionale (demo)",
        Kind.VACANCY,
        "Politiche attive per lavoratori agricoli stagionali (demo)",
        starts=30,
        ends=75,
        deadline=20,
        seats=(12, 9),
        skills="Lavoro all'aperto; esperienza in vigneto gradita.",
        town="BG:Grumello del Monte",
    ),
    OpportunitySpec(
        "Associazione agricoltori bergamaschi (demo)",
        "Operaio/a agricolo stagionale – orticoltura (demo)",
        Kind.VACANCY,
        starts=10,
        ends=190,
        deadline=5,
        seats=(6, 6),
        town="BG:Treviglio",
    ),
    OpportunitySpec(
        "Cooperativa sociale Terra Buona (demo)",
        "Tirocinio in orticoltura biologica (demo)",
        Kind.INTERNSHIP,
        "Tirocini in agricoltura sociale (demo)",
        starts=25,
        ends=205,
        deadline=18,
        seats=(4, 1),
        italian_level="A1",
        town="BG:Treviglio",
    ),
    OpportunitySpec(
        "Consorzio agricolo Oltrepò Mantovano (demo)",
        "Raccolta meloni – contratto stagionale regolare (demo)",
        Kind.VACANCY,
        starts=12,
        ends=100,
        deadline=10,
        seats=(20, 14),
        skills="Lavoro in serra e in campo; turni dalle 5.",
        town="MN:Viadana",
    ),
    OpportunitySpec(
        "Centro per l'Impiego di Mantova (demo)",
        "Potatura vigneti – squadra di novembre (demo)",
        Kind.VACANCY,
        "Incontro domanda-offerta per il lavoro agricolo (demo)",
        starts=10,
        ends=40,
        deadline=-5,  # open flag still on, deadline passed: not shown as open now
        seats=(8, 3),
        town="MN:Suzzara",
    ),
    OpportunitySpec(
        "Associazione Casa Aperta (demo)",
        "Posto in appartamento condiviso per uomo singolo (demo)",
        Kind.HOUSING,
        "Appartamenti condivisi in semi-autonomia (demo)",
        starts=7,
        ends=372,
        deadline=30,
        seats=(3, 1),
        documents="Contratto di lavoro o di tirocinio in corso.",
        town="MN:Suzzara",
    ),
    OpportunitySpec(
        "Caritas – Centro di ascolto Sant'Anna (demo)",
        "Posti letto del piano freddo (demo)",
        Kind.HOUSING,
        "Dormitorio del piano freddo (demo)",
        starts=-10,
        ends=90,
        seats=(30, 6),
        without_permit=True,
        town="MI:Milano",
    ),
    OpportunitySpec(
        "SAI – Accoglienza integrata Milano (demo)",
        "Posto SAI per nucleo familiare (demo)",
        Kind.HOUSING,
        "Accoglienza integrata SAI per singoli e nuclei (demo)",
        seats=(2, 0),
        town="MI:Milano",
    ),
    OpportunitySpec(
        "Cooperativa sociale Approdo (demo)",
        "Appartamento di transizione per lavoratori (demo)",
        Kind.HOUSING,
        "Accompagnamento all'autonomia abitativa (demo)",
        starts=20,
        ends=385,
        deadline=15,
        seats=(4, 2),
        italian_level="A1",
        town="MI:Milano",
    ),
]


def pua_specs() -> list[Spec]:
    """The services every demo PUA offers, with the holes of HOUSING_STAGE and the like."""
    specs: list[Spec] = []
    for number, province in enumerate(regions_data()[REGION]["provinces"]):
        sigla = province["sigla"]
        short = SHORT_NAMES.get(sigla, province["name"])
        lead = f"Ufficio di Piano InLav {short} (demo)"
        town = f"{sigla}:{CAPOLUOGO.get(sigla, province['name'])}"
        # The PUA's mediator's languages, as in the network demo.
        languages = [
            c.strip() for c in MEDIATOR_LANGUAGES[number % len(MEDIATOR_LANGUAGES)].split(",")
        ]
        where = [f"province:{sigla}"]
        common: dict[str, Any] = {
            "town": town,
            "address": "Via dell'Accoglienza 1",
            "phone": f"+39 000 000 {number + 1:04d}",
            "hours": PUA_HOURS[number % len(PUA_HOURS)],
        }

        def age(k: int, number: int = number) -> int | None:
            return AGES[(number * 5 + k * 3) % len(AGES)]

        specs.append(
            Spec(
                lead,
                f"PUA InLav {short}: ascolto e orientamento (demo)",
                [A.WORK_GUIDANCE, A.MEDIATION],
                where,
                "Primo ascolto, valutazione condivisa, piano individuale e invii alla rete. "
                "Gratuito e riservato, con mediatori.",
                languages=["it", *languages],
                age=age(0),
                public=True,
                without_permit=True,
                access="Senza appuntamento negli orari di apertura, o su segnalazione.",
                translations="pua" if sigla == "MI" else "",
                **common,
            )
        )
        specs.append(
            Spec(
                lead,
                f"Consulenza legale e permessi – PUA {short} (demo)",
                [A.LEGAL],
                where,
                "Orientamento su permessi, conversioni, art. 18 e art. 18-ter; "
                "accompagnamento in Questura.",
                stage=S.BEING_DESIGNED if sigla in LEGAL_BEING_DESIGNED else S.ACTIVE,
                languages=languages,
                age=age(1),
                without_permit=True,
                **common,
            )
        )
        specs.append(
            Spec(
                lead,
                f"Borse lavoro e tirocini di inclusione – {short} (demo)",
                [A.INTERNSHIPS, A.JOB_PLACEMENT],
                where,
                "Tirocini con indennità e borse lavoro concordati nel piano individuale.",
                stage=S.TO_BE_DEVELOPED if sigla == "SO" else S.ACTIVE,
                age=age(2),
                capacity=("borse lavoro", number % 4, 6),
                **common,
            )
        )
        if sigla in HOUSING_STAGE:
            specs.append(
                Spec(
                    lead,
                    f"Supporto all'abitare – {short} (demo)",
                    [A.HOUSING_TEMPORARY],
                    where,
                    "Ricerca della casa, garanzie per l'affitto e posti in housing temporaneo.",
                    stage=HOUSING_STAGE[sigla],
                    age=age(3),
                    **common,
                )
            )
        if sigla in ANTI_TRAFFICKING_STAGE:
            specs.append(
                Spec(
                    lead,
                    f"Emersione dello sfruttamento lavorativo – {short} (demo)",
                    [A.ANTI_TRAFFICKING],
                    where,
                    "Colloqui di emersione con gli indicatori di sfruttamento e invio alla rete "
                    "antitratta (Numero Verde 800 290 290).",
                    stage=ANTI_TRAFFICKING_STAGE[sigla],
                    languages=languages,
                    age=age(4),
                    without_permit=True,
                    **common,
                )
            )
    return specs


def pua_opportunities() -> list[OpportunitySpec]:
    items = []
    for number, province in enumerate(regions_data()[REGION]["provinces"]):
        sigla = province["sigla"]
        if sigla == "SO":
            continue
        short = SHORT_NAMES.get(sigla, province["name"])
        items.append(
            OpportunitySpec(
                f"Ufficio di Piano InLav {short} (demo)",
                f"Tirocinio di inclusione – {short} (demo)",
                Kind.INTERNSHIP,
                f"Borse lavoro e tirocini di inclusione – {short} (demo)",
                starts=20 + number,
                ends=200 + number,
                deadline=10 + number,
                seats=(4, number % 5),
                italian_level="A1" if number % 2 else "",
                documents="Permesso di soggiorno (anche in rinnovo).",
                town=f"{sigla}:{CAPOLUOGO.get(sigla, province['name'])}",
            )
        )
    return items


class _Builder:
    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.index = TerritoryIndex()
        self.organizations: dict[str, Organization] = {}
        self.services: dict[tuple[str, str], Service] = {}

    def org(self, name: str) -> Organization:
        if name not in self.organizations:
            self.organizations[name] = Organization.objects.get(name=name, is_demo=True)
        return self.organizations[name]

    def town(self, spec: str) -> Territory | None:
        if not spec:
            return None
        sigla, _, name = spec.partition(":")
        return self.index.one(f"comune:{sigla}:{name}")

    def day(self, offset: int | None) -> dt.date | None:
        return None if offset is None else self.today + dt.timedelta(days=offset)

    def service(self, spec: Spec) -> Service:
        organization = self.org(spec.org)
        service = Service.objects.filter(organization=organization, name=spec.name).first()
        service = service or Service(organization=organization, name=spec.name)
        values: dict[str, Any] = {
            "description": spec.description,
            "stage": spec.stage,
            "presence": spec.presence,
            "format": spec.format,
            "eligibility_description": spec.eligibility,
            "application_process": spec.access,
            "objectives": spec.objectives,
            "duration": spec.duration,
            "open_without_permit": spec.without_permit,
            # The public guide shows only active services.
            "is_public": spec.public and spec.stage == S.ACTIVE,
            "is_demo": True,
            "source": DEMO_SOURCE,
            "last_verified_on": self.day(-spec.age) if spec.age is not None else None,
            "verified_by_label": f"{PLATFORM_ADMIN}@{EMAIL_DOMAIN}" if spec.age is not None else "",
        }
        for key, value in values.items():
            setattr(service, key, value)
        service.search_text = search_text_for(service, spec.areas, spec.languages)
        service.full_clean(exclude=["search_text"])
        service.save()
        _sync(service, ServiceTopic, "area", spec.areas)
        _sync(service, ServiceLanguage, "code", spec.languages)
        service.territories.set([self.index.one(w) for w in spec.where])
        self.children(service, spec)
        self.services[(spec.org, spec.name)] = service
        return service

    def children(self, service: Service, spec: Spec) -> None:
        """Hours, phone, capacity, place, translations: replaced as a whole on every load."""
        service.schedules.all().delete()
        Schedule.objects.bulk_create(
            Schedule(
                service=service,
                byday=days,
                opens_at=dt.time.fromisoformat(opens),
                closes_at=dt.time.fromisoformat(closes),
                description=note,
            )
            for days, opens, closes, note in spec.hours
        )
        service.phones.all().delete()
        if spec.phone:
            Phone.objects.create(service=service, number=spec.phone)
        service.capacities.all().delete()
        if spec.capacity:
            unit, available, maximum = spec.capacity
            ServiceCapacity.objects.create(
                service=service, unit=unit, available=available, maximum=maximum
            )
        municipality = self.town(spec.town)
        if municipality is not None:
            location, _created = Location.objects.update_or_create(
                organization=service.organization,
                name=f"Sede di {municipality.name} (demo)",
                defaults={
                    "address_1": spec.address,
                    "municipality": municipality,
                    "city": municipality.name,
                },
            )
            ServiceAtLocation.objects.get_or_create(service=service, location=location)
        for language, (name, description) in TRANSLATIONS.get(spec.translations, {}).items():
            ServiceTranslation.objects.update_or_create(
                service=service,
                language=language,
                defaults={"name": name, "description": description},
            )

    def opportunity(self, spec: OpportunitySpec) -> Opportunity:
        organization = self.org(spec.org)
        total, available = spec.seats or (None, None)
        opportunity, _created = Opportunity.objects.update_or_create(
            organization=organization,
            title=spec.title,
            is_demo=True,
            defaults={
                "service": self.services[(spec.org, spec.service)] if spec.service else None,
                "kind": spec.kind,
                "description": spec.description,
                "starts_on": self.day(spec.starts),
                "ends_on": self.day(spec.ends),
                "application_deadline": self.day(spec.deadline),
                "seats_total": total,
                "seats_available": available,
                "italian_level": spec.italian_level,
                "required_documents": spec.documents,
                "driving_licence_required": spec.licence,
                "skills": spec.skills,
                "open_without_permit": spec.without_permit,
                "municipality": self.town(spec.town),
                "is_open": spec.is_open,
            },
        )
        return opportunity


def _sync(service: Service, model: Any, field_name: str, values: Iterable[str]) -> None:
    wanted = list(dict.fromkeys(values))
    model.objects.filter(service=service).exclude(**{f"{field_name}__in": wanted}).delete()
    model.objects.bulk_create(
        [model(service=service, **{field_name: v}) for v in wanted], ignore_conflicts=True
    )


def load_demo_catalog() -> dict[str, int]:
    builder = _Builder()
    for spec in [*pua_specs(), *PARTNER_SERVICES]:
        builder.service(spec)
    for item in [*pua_opportunities(), *OPPORTUNITIES]:
        builder.opportunity(item)
    return catalog_counts()


def catalog_counts() -> dict[str, int]:
    services = Service.objects.all()
    return {
        "services": services.count(),
        "services_from_mapping": services.filter(source=MAPPATURA_SOURCE).count(),
        "demo_services": services.filter(is_demo=True, source=DEMO_SOURCE).count(),
        "public_services": services.public().count(),
        "stale_services": services.stale().count(),
        "opportunities": Opportunity.objects.count(),
    }


def extend_demo() -> dict[str, int]:
    """The network demo's plug-in: the real mapping's services, then the fictitious catalog."""
    admin = User.objects.get(email=f"{PLATFORM_ADMIN}@{EMAIL_DOMAIN}")
    import_mappatura(MAPPATURA_CSV, actor=admin)
    return load_demo_catalog()
