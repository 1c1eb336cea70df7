"""Realistic synthetic Quartier directories, for benchmarks (validate, build, site, search).

``generate(dest, n, seed)`` writes a complete directory repository: the
project's ``directory.yaml`` (the taxonomy is the package's), and ``n`` entries
under ``entries/<country>/<area>/<id>.yaml`` (60% Bern, 40% Santa Cruz). The
same seed on the same day gives byte-identical files. Every entry is valid
under ``quartier validate`` with no warnings: unique ids, names, phone numbers
and website hosts; points inside the areas' bboxes; taxonomy leaves as
categories; valid opening_hours; ``last_verified`` within the last 300 days.

Texts are composed from word lists in the area's languages (de/fr/en in
Bern, en/es in Santa Cruz) so files weigh 1 to 4 KB, like hand-written
entries. About one entry in ten has a story, offerings, certifications or
images. About a quarter of the files hold ``**bold**`` or ``&`` (in a
description or a name), as real ones do, which sends the strict loader down
its slower anchor scan.

The YAML is written by string formatting: it is several times faster than
``yaml.safe_dump`` and never emits anchors, which the strict loader refuses.
Values that YAML 1.2 tools (check-jsonschema) would type as numbers are
quoted, so the files also validate against the generated JSON Schema.

    python benchmarks/synth.py /tmp/quartier-10k -n 10000 --seed 1
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from quartier.checks import name_keys
from quartier.taxonomy import TAXONOMY_FILE

PROJECT = Path(__file__).resolve().parents[1]
MARKER = ".synth.json"
# Bump when the output for a given seed changes, so cached trees are rebuilt.
VERSION = 1
HEADER = "# yaml-language-server: $schema=../../../schema/entry.schema.json\n"


# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class Quarter:
    name: str
    lat: float
    lon: float
    postal_code: str
    locality: str


@dataclass(frozen=True)
class AreaSpec:
    id: str  # as in directory.yaml, whose bbox is used
    folder: str  # entries/<country>/<area>
    country: str
    region: str
    share: float
    quarters: tuple[Quarter, ...]
    streets: tuple[str, ...]


def _quarters(rows: str, default_locality: str) -> tuple[Quarter, ...]:
    out = []
    for row in rows.strip().splitlines():
        name, lat, lon, plz, *loc = (c.strip() for c in row.split("|"))
        out.append(Quarter(name, float(lat), float(lon), plz, loc[0] if loc else default_locality))
    return tuple(out)


BERN = AreaSpec(
    "bern",
    "ch/bern",
    "CH",
    "BE",
    0.6,
    _quarters(
        """
        Altstadt|46.9480|7.4474|3011
        Lorraine|46.9575|7.4440|3013
        Breitenrain|46.9590|7.4560|3014
        Länggasse|46.9560|7.4300|3012
        Mattenhof|46.9420|7.4290|3007
        Monbijou|46.9410|7.4380|3007
        Kirchenfeld|46.9400|7.4550|3005
        Marzili|46.9440|7.4450|3005
        Matte|46.9465|7.4530|3011
        Wankdorf|46.9640|7.4650|3014
        Bümpliz|46.9440|7.3880|3018
        Bethlehem|46.9480|7.3770|3027
        Holligen|46.9410|7.4150|3008
        Weissenbühl|46.9340|7.4320|3007
        Schosshalde|46.9480|7.4750|3006
        Wabern|46.9280|7.4510|3084|Wabern
        Köniz|46.9240|7.4140|3098|Köniz
        Liebefeld|46.9300|7.4180|3097|Liebefeld
        Ostermundigen|46.9560|7.4880|3072|Ostermundigen
        Bremgarten|46.9770|7.4370|3047|Bremgarten bei Bern
        Zollikofen|46.9990|7.4580|3052|Zollikofen
        Muri|46.9310|7.4870|3074|Muri bei Bern
    """,
        "Bern",
    ),
    (
        "Lorrainestrasse",
        "Breitenrainplatz",
        "Kramgasse",
        "Gerechtigkeitsgasse",
        "Marktgasse",
        "Länggassstrasse",
        "Mittelstrasse",
        "Effingerstrasse",
        "Schwarztorstrasse",
        "Monbijoustrasse",
        "Thunstrasse",
        "Kirchenfeldstrasse",
        "Aarstrasse",
        "Mattenenge",
        "Gerberngasse",
        "Papiermühlestrasse",
        "Moserstrasse",
        "Scheibenstrasse",
        "Bernstrasse",
        "Freiburgstrasse",
        "Murtenstrasse",
        "Seftigenstrasse",
        "Weissensteinstrasse",
        "Schlossstrasse",
        "Bolligenstrasse",
        "Viktoriastrasse",
        "Spitalgasse",
        "Rathausgasse",
        "Brunngasse",
        "Postgasse",
        "Hallerstrasse",
        "Falkenplatz",
        "Waldhöheweg",
        "Könizstrasse",
        "Sandrainstrasse",
    ),
)
SANTA_CRUZ = AreaSpec(
    "santa-cruz",
    "us/santa-cruz",
    "US",
    "CA",
    0.4,
    _quarters(
        """
        Downtown|36.9741|-122.0308|95060
        Seabright|36.9645|-122.0105|95062
        Westside|36.9590|-122.0450|95060
        Eastside|36.9780|-122.0080|95062
        Midtown|36.9760|-122.0150|95062
        Harbor|36.9680|-122.0000|95062
        Beach Flats|36.9650|-122.0230|95060
        Mission Hill|36.9800|-122.0320|95060
        Harvey West|36.9870|-122.0350|95060
        University Heights|36.9910|-122.0580|95064
        Pleasure Point|36.9600|-121.9700|95062
        Live Oak|36.9830|-121.9800|95062
        Capitola Village|36.9750|-121.9530|95010|Capitola
        Soquel|36.9880|-121.9570|95073|Soquel
    """,
        "Santa Cruz",
    ),
    (
        "Pacific Avenue",
        "Cedar Street",
        "Front Street",
        "Mission Street",
        "Soquel Avenue",
        "Seabright Avenue",
        "Water Street",
        "Ocean Street",
        "Laurel Street",
        "Walnut Avenue",
        "Lincoln Street",
        "River Street",
        "Swift Street",
        "Ingalls Street",
        "Portola Drive",
        "41st Avenue",
        "East Cliff Drive",
        "West Cliff Drive",
        "Bay Street",
        "High Street",
        "Capitola Avenue",
        "Main Street",
        "Chestnut Street",
        "Broadway",
        "Morrissey Boulevard",
    ),
)
AREAS = (BERN, SANTA_CRUZ)

# Category groups are not equally common on a high street.
GROUP_WEIGHTS = {
    "food_drink": 30,
    "crafts_repair": 20,
    "retail": 25,
    "personal_services": 12,
    "home_services": 8,
    "culture": 5,
}
SERVICE_GROUPS = {"personal_services", "home_services", "culture", "crafts_repair"}

# The taxonomy has no Spanish labels; these are for texts only.
ES_LABELS = dict(
    item.split("=")
    for item in """
bakery=panadería;cafe=café;restaurant=restaurante;bar=bar;brewery=cervecería
wine_shop=vinoteca;butcher=carnicería;cheese_shop=quesería;greengrocer=frutería
deli=tienda gourmet;chocolatier=chocolatería;ice_cream=heladería;tea_shop=tienda de té
coffee_roaster=tostaduría de café;organic_grocery=tienda orgánica;zero_waste_shop=tienda a granel
farm_shop=tienda de granja;caterer=catering;fishmonger=pescadería
bicycle_repair=taller de bicicletas;shoemaker=zapatero;tailor=sastrería;watchmaker=relojería
goldsmith=orfebrería;electronics_repair=reparación de electrónica;furniture_maker=ebanistería
carpenter=carpintería;upholsterer=tapicería;ceramics_studio=taller de cerámica
glassblower=taller de vidrio soplado;bookbinder=encuadernación;locksmith=cerrajería
key_cutting=copia de llaves;repair_cafe=café de reparación;print_shop=imprenta
sign_maker=taller de rótulos;leatherworker=marroquinería;textile_studio=taller textil
instrument_maker=taller de instrumentos;bookshop=librería;second_hand=tienda de segunda mano
antiques=antigüedades;vintage_clothing=ropa vintage;clothing_boutique=boutique de ropa
shoe_shop=zapatería;toy_shop=juguetería;stationery=papelería;florist=floristería
garden_centre=vivero;hardware_store=ferretería;music_shop=tienda de música
record_shop=tienda de discos;gift_shop=tienda de regalos;art_supplies=material de arte
fabric_shop=tienda de telas;outdoor_gear=equipo de montaña;bicycle_shop=tienda de bicicletas
optician=óptica;pharmacy=farmacia;jeweller=joyería;pet_shop=tienda de mascotas
houseware=artículos para el hogar;hairdresser=peluquería;barber=barbería
beauty_salon=salón de belleza;nail_salon=salón de uñas;tattoo_studio=estudio de tatuajes
massage=masajes;yoga_studio=estudio de yoga;laundry=lavandería;dry_cleaner=tintorería
pet_grooming=peluquería canina;photographer=fotografía;tutoring=clases particulares
plumber=plomería;electrician=electricista;painter_decorator=pintura;gardener=jardinería
cleaning_service=servicio de limpieza;chimney_sweep=deshollinador;removals=mudanzas
roofer=techos;heating_engineer=calefacción;tiler=azulejos;handyman=reparaciones del hogar
gallery=galería de arte;theatre=teatro;cinema=cine;music_venue=sala de conciertos
arts_centre=centro de arte;library_of_things=biblioteca de cosas;makerspace=makerspace
dance_school=escuela de danza;music_school=escuela de música
craft_workshop_courses=talleres de artesanía;escape_room=sala de escape
""".replace("\n", ";").split(";")
    if item
)

# --------------------------------------------------------------------------- words
# Aligned tuples (en, de, fr, es), so one entry says the same thing in each language.
LANG_INDEX = {"en": 0, "de": 1, "fr": 2, "es": 3}

PRODUCTS = {
    "food_drink": [
        ("bread", "Brot", "pain", "pan"),
        ("coffee", "Kaffee", "café", "café"),
        ("cheese", "Käse", "fromage", "queso"),
        ("vegetables", "Gemüse", "légumes", "verduras"),
        ("wine", "Wein", "vin", "vino"),
        ("beer", "Bier", "bière", "cerveza"),
        ("chocolate", "Schokolade", "chocolat", "chocolate"),
        ("tea", "Tee", "thé", "té"),
        ("pastries", "Gebäck", "pâtisseries", "pasteles"),
        ("soup", "Suppe", "soupe", "sopa"),
        ("honey", "Honig", "miel", "miel"),
        ("jam", "Konfitüre", "confiture", "mermelada"),
        ("sourdough", "Sauerteigbrot", "pain au levain", "pan de masa madre"),
        ("ice cream", "Glace", "glace", "helado"),
        ("sausages", "Würste", "saucisses", "embutidos"),
    ],
    "crafts_repair": [
        ("repairs", "Reparaturen", "réparations", "reparaciones"),
        ("furniture", "Möbel", "meubles", "muebles"),
        ("ceramics", "Keramik", "céramique", "cerámica"),
        ("leather goods", "Lederwaren", "maroquinerie", "artículos de cuero"),
        ("bags", "Taschen", "sacs", "bolsos"),
        ("shoes", "Schuhe", "chaussures", "zapatos"),
        ("jewellery", "Schmuck", "bijoux", "joyas"),
        ("bicycles", "Velos", "vélos", "bicicletas"),
        ("prints", "Drucke", "impressions", "impresiones"),
        ("keys", "Schlüssel", "clés", "llaves"),
        ("watches", "Uhren", "montres", "relojes"),
        ("cushions", "Kissen", "coussins", "cojines"),
    ],
    "retail": [
        ("books", "Bücher", "livres", "libros"),
        ("clothes", "Kleider", "vêtements", "ropa"),
        ("toys", "Spielzeug", "jouets", "juguetes"),
        ("flowers", "Blumen", "fleurs", "flores"),
        ("plants", "Pflanzen", "plantes", "plantas"),
        ("tools", "Werkzeug", "outils", "herramientas"),
        ("records", "Schallplatten", "disques", "discos"),
        ("notebooks", "Notizbücher", "carnets", "cuadernos"),
        ("gifts", "Geschenke", "cadeaux", "regalos"),
        ("glasses", "Brillen", "lunettes", "gafas"),
        ("yarn", "Wolle", "laine", "lana"),
        ("kitchenware", "Küchenwaren", "ustensiles de cuisine", "utensilios de cocina"),
    ],
    "personal_services": [
        ("haircuts", "Haarschnitte", "coupes", "cortes de pelo"),
        ("massages", "Massagen", "massages", "masajes"),
        ("yoga classes", "Yogastunden", "cours de yoga", "clases de yoga"),
        ("laundry", "Wäsche", "lessive", "lavandería"),
        ("portraits", "Porträts", "portraits", "retratos"),
        ("lessons", "Nachhilfestunden", "cours particuliers", "clases particulares"),
        ("skin care", "Hautpflege", "soins du visage", "cuidado de la piel"),
        ("tattoos", "Tattoos", "tatouages", "tatuajes"),
    ],
    "home_services": [
        ("renovations", "Renovationen", "rénovations", "remodelaciones"),
        ("installations", "Installationen", "installations", "instalaciones"),
        ("garden care", "Gartenpflege", "entretien de jardins", "cuidado de jardines"),
        ("cleaning", "Reinigungen", "nettoyages", "limpiezas"),
        ("moves", "Umzüge", "déménagements", "mudanzas"),
        ("heating", "Heizungen", "chauffages", "calefacción"),
        ("tiling", "Plattenarbeiten", "carrelage", "azulejos"),
        ("roof repairs", "Dachreparaturen", "réparations de toiture", "reparación de techos"),
    ],
    "culture": [
        ("exhibitions", "Ausstellungen", "expositions", "exposiciones"),
        ("concerts", "Konzerte", "concerts", "conciertos"),
        ("films", "Filme", "films", "películas"),
        ("courses", "Kurse", "cours", "cursos"),
        ("workshops", "Workshops", "ateliers", "talleres"),
        ("performances", "Aufführungen", "spectacles", "funciones"),
        (
            "tools to borrow",
            "Werkzeug zum Ausleihen",
            "outils à emprunter",
            "herramientas para prestar",
        ),
    ],
}
QUALITIES = [  # phrases that need no agreement
    ("handmade", "von Hand gemacht", "faits main", "hechos a mano"),
    ("seasonal", "saisonal", "de saison", "de temporada"),
    ("local", "aus der Region", "de la région", "de la región"),
    ("organic", "in Bioqualität", "bio", "orgánicos"),
    ("fairly traded", "fair gehandelt", "issus du commerce équitable", "de comercio justo"),
    ("carefully chosen", "sorgfältig ausgewählt", "choisis avec soin", "elegidos con cuidado"),
    ("made to last", "langlebig", "faits pour durer", "hechos para durar"),
    ("fresh every morning", "jeden Morgen frisch", "frais chaque matin", "frescos cada mañana"),
]
COLORS = [
    ("green", "grüne", "verte", "verde"),
    ("red", "rote", "rouge", "roja"),
    ("blue", "blaue", "bleue", "azul"),
    ("yellow", "gelbe", "jaune", "amarilla"),
]

SENTENCES = {
    "en": [
        "{name} is a {label_l} in {quarter} with {q} {p1} and {p2}.",
        "Since {year} we have offered {p1}, {p2} and {p3}, {q}.",
        "Most of what you find here is {q}; ask us where it comes from.",
        "We work with small suppliers from the region and know most of them by name.",
        "On Saturdays it gets busy, so come early if you can.",
        "Groups and companies are welcome: please call us a few days ahead.",
        "The team of {k} people speaks English and Spanish.",
        "We care about short supply chains, fair wages and as little packaging as possible.",
        "You will find us a few steps from {street}, in the heart of {quarter}.",
        "Bring your own container and we fill it with {p1}.",
        "**No appointment** needed for {p1}; for larger jobs, please book ahead.",
        "We repair, lend and pass on what still works instead of throwing it away.",
        "Every month we host an open evening about {p2} & {p3} for the neighbourhood.",
        "Our {p2} are {q}, and we are happy to tell you how we make them.",
        "Children are welcome and there is a corner with books and toys.",
        "We are a member of the local business association of {quarter}.",
        "Ask for {p1} {q}; we keep a small stock in the back.",
        "Parking is tight, but the bus stops right outside and there are bike racks.",
        "We gift-wrap and ship {p2} anywhere in Santa Cruz County.",
        "Tuesday is the quietest day if you need time for advice.",
        "Everything in the shop has a story, and we like telling it.",
        "We train apprentices every year and are proud of it.",
        "Look for the {color} door on {street}.",
        "Our prices are fair and we explain how they come about.",
        "In summer we put a few tables outside.",
        "Special orders for {p1} and {p3} take about a week.",
        "We take back packaging and reuse it.",
        "Questions about {p2}? Write to us or just drop by.",
        "The shop is small, but the selection of {p1} is wide.",
    ],
    "de": [
        "{name} ist eine Adresse für {p1} und {p2} im Quartier {quarter}.",
        "Seit {year} bieten wir {p1}, {p2} und {p3} an, {q}.",
        "Fast alles bei uns ist {q}; fragen Sie ruhig nach der Herkunft.",
        "Wir arbeiten mit kleinen Betrieben aus der Region und kennen die meisten persönlich.",
        "Am Samstag ist viel los, kommen Sie am besten früh.",
        "Gruppen und Firmen sind willkommen: bitte melden Sie sich ein paar Tage vorher.",
        "Unser Team von {k} Personen spricht Deutsch, Französisch und Englisch.",
        "Uns sind kurze Wege, faire Löhne und wenig Verpackung wichtig.",
        "Sie finden uns an der {street}, mitten im Quartier {quarter}.",
        "Bringen Sie Ihr eigenes Gefäss mit, wir füllen es mit {p1}.",
        "**Ohne Termin** für {p1}; für grössere Aufträge bitte reservieren.",
        "Wir reparieren, verleihen und geben weiter, was noch funktioniert.",
        "Einmal im Monat laden wir das Quartier zu einem Abend über {p2} & {p3} ein.",
        "Unser Angebot an {p2} ist {q}, und wir erzählen gern, wie es entsteht.",
        "Kinder sind willkommen, es gibt eine Ecke mit Büchern und Spielsachen.",
        "Wir sind Mitglied im Quartierverein {quarter} und im Gewerbeverband.",
        "Fragen Sie nach {p1}, {q}; wir haben einen kleinen Vorrat im Lager.",
        "Parkplätze sind knapp, aber der Bus hält vor der Tür und es gibt Veloständer.",
        "Wir verpacken Geschenke und verschicken {p2} in die ganze Schweiz.",
        "Am Dienstag ist es am ruhigsten, wenn Sie Zeit für eine Beratung brauchen.",
        "Alles im Laden hat eine Geschichte, und wir erzählen sie gern.",
        "Wir bilden jedes Jahr Lernende aus und sind stolz darauf.",
        "Suchen Sie die {color_de} Tür an der {street}.",
        "Unsere Preise sind fair, und wir erklären gern, wie sie zustande kommen.",
        "Im Sommer stehen ein paar Tische draussen.",
        "Spezielle Bestellungen für {p1} und {p3} dauern etwa eine Woche.",
        "Verpackungen nehmen wir zurück und verwenden sie wieder.",
        "Fragen zu {p2}? Schreiben Sie uns oder kommen Sie vorbei.",
        "Der Laden ist klein, aber die Auswahl an {p1} ist gross.",
    ],
    "fr": [
        "{name} est une adresse pour {p1} et {p2} dans le quartier {quarter}.",
        "Depuis {year}, nous proposons {p1}, {p2} et {p3}, {q}.",
        "Presque tout ici est {q}; demandez-nous d'où cela vient.",
        "Nous travaillons avec de petits producteurs de la région.",
        "Le samedi, il y a du monde: venez plutôt tôt.",
        "Les groupes et les entreprises sont bienvenus sur réservation.",
        "Notre équipe de {k} personnes parle français, allemand et anglais.",
        "Circuits courts, salaires équitables et peu d'emballages: c'est notre façon de faire.",
        "Vous nous trouvez à la {street}, au cœur du quartier {quarter}.",
        "**Sans rendez-vous** pour {p1}; pour les gros travaux, merci de réserver.",
        "Nous réparons, prêtons et transmettons ce qui fonctionne encore.",
        "Une fois par mois, une soirée ouverte sur {p2} & {p3} pour le quartier.",
        "Demandez-nous {p1}, {q}: nous en gardons un petit stock.",
        "Le bus s'arrête devant la porte et il y a des places pour les vélos.",
        "Nous faisons des paquets cadeaux et envoyons {p2} dans toute la Suisse.",
        "Le mardi est le jour le plus calme pour prendre le temps de vous conseiller.",
        "Chaque objet de la boutique a une histoire, et nous aimons la raconter.",
        "Nous formons chaque année des apprentis.",
        "Nos prix sont justes et nous expliquons volontiers comment ils sont calculés.",
        "En été, quelques tables vous attendent dehors.",
        "Les commandes spéciales de {p1} prennent environ une semaine.",
        "Des questions sur {p2}? Écrivez-nous ou passez nous voir.",
    ],
    "es": [
        "{name} es un lugar para {p1} y {p2} en {quarter}.",
        "Desde {year} ofrecemos {p1}, {p2} y {p3}, {q}.",
        "Casi todo aquí es {q}; pregúntenos de dónde viene.",
        "Trabajamos con pequeños productores de la región y conocemos a la mayoría.",
        "Los sábados hay mucha gente, así que venga temprano.",
        "Grupos y empresas son bienvenidos: llámenos unos días antes.",
        "Nuestro equipo de {k} personas habla inglés y español.",
        "Nos importan las cadenas cortas, los salarios justos y usar poco empaque.",
        "Estamos a pocos pasos de {street}, en el corazón de {quarter}.",
        "**Sin cita** para {p1}; para trabajos grandes, reserve con tiempo.",
        "Reparamos, prestamos y pasamos a otros lo que todavía funciona.",
        "Cada mes organizamos una tarde abierta sobre {p2} & {p3} para el barrio.",
        "Pregunte por {p1}, {q}; tenemos un poco en la bodega.",
        "El autobús para justo enfrente y hay lugar para bicicletas.",
        "Envolvemos regalos y enviamos {p2} a todo el condado.",
        "El martes es el día más tranquilo si necesita consejo.",
        "Cada cosa en la tienda tiene una historia, y nos gusta contarla.",
        "Nuestros precios son justos y explicamos cómo se calculan.",
        "En verano ponemos algunas mesas afuera.",
        "Los pedidos especiales de {p1} tardan más o menos una semana.",
        "¿Preguntas sobre {p2}? Escríbanos o pase a visitarnos.",
        "La tienda es pequeña, pero la selección de {p1} es amplia.",
        "Busque la puerta {color_es} en {street}.",
    ],
}
_PLAIN_SENTENCES = {
    lg: [s for s in v if "&" not in s and "*" not in s] for lg, v in SENTENCES.items()
}
# Strides that visit every template of a list once, for a varied order without a shuffle.
_STRIDES = {
    n: [s for s in range(1, n) if math.gcd(s, n) == 1] or [1]
    for v in (SENTENCES, _PLAIN_SENTENCES)
    for n in {len(t) for t in v.values()}
}
SUMMARIES = {
    "en": [
        "{label} in {quarter}: {p1}, {p2} and {p3}, {q}.",
        "{label} in {quarter} with {q} {p1} and friendly advice.",
        "Independent {label_l} in {quarter} for {p1} and {p2}.",
    ],
    "de": [
        "{label} im Quartier {quarter}: {p1}, {p2} und {p3}, {q}.",
        "{label} in {quarter} mit {p1} und {p2}, {q}.",
        "Unabhängiges Geschäft in {quarter}: {label}, {p1} und {p2}.",
    ],
    "fr": [
        "{label} dans le quartier {quarter}: {p1}, {p2} et {p3}, {q}.",
        "{label} indépendant à {quarter}, pour {p1} et {p2}.",
    ],
    "es": [
        "{label} en {quarter}: {p1}, {p2} y {p3}, {q}.",
        "{label} independiente en {quarter} con {p1} y {p2}.",
    ],
}
STORY = {
    "en": [
        "{founders} opened the shop in {year} in a former {place}.",
        "It started as a stall at the farmers market and grew from there.",
        "The idea came from years of working for others and wanting to do it our own way.",
    ],
    "de": [
        "{founders} haben den Laden {year} in einer ehemaligen {place} eröffnet.",
        "Angefangen hat alles mit einem Stand auf dem Wochenmarkt.",
        "Nach Jahren als Angestellte wollten wir es auf unsere eigene Art machen.",
    ],
    "fr": [
        "{founders} ont ouvert la boutique en {year} dans un ancien {place}.",
        "Tout a commencé par un stand au marché du samedi.",
    ],
    "es": [
        "{founders} abrieron el local en {year} en un antiguo {place}.",
        "Todo empezó con un puesto en el mercado de agricultores.",
    ],
}
PLACES = [
    ("print shop", "Druckerei", "atelier d'imprimerie", "taller de imprenta"),
    ("garage", "Garage", "garage", "garaje"),
    ("bakery", "Bäckerei", "fournil", "horno"),
    ("warehouse", "Lagerhalle", "entrepôt", "almacén"),
    ("post office", "Poststelle", "bureau de poste", "correo"),
]
CRAFT = {
    "en": "Everything is done by hand in the workshop behind the counter.",
    "de": "Alles entsteht von Hand in der Werkstatt hinter dem Ladentisch.",
    "fr": "Tout est fait à la main dans l'atelier derrière le comptoir.",
    "es": "Todo se hace a mano en el taller detrás del mostrador.",
}
SOURCING = {
    "en": "Materials come from within 50 km wherever possible; the rest is fairly traded.",
    "de": "Material kommt wenn möglich aus weniger als 50 km, der Rest ist fair gehandelt.",
    "fr": "Les matériaux viennent si possible de moins de 50 km; le reste est équitable.",
    "es": "Los materiales vienen de menos de 80 km si es posible; el resto es de comercio justo.",
}
PURPOSE = {
    "en": "Keep good things in use and give the neighbourhood a place to meet.",
    "de": "Gute Dinge im Gebrauch halten und dem Quartier einen Treffpunkt geben.",
    "fr": "Garder les bonnes choses en usage et offrir un lieu de rencontre au quartier.",
    "es": "Mantener en uso las cosas buenas y dar al barrio un lugar de encuentro.",
}
SEEKS = {
    "en": "a {c} nearby for joint events and a shared stand at the market",
    "de": "Zusammenarbeit mit einem Betrieb aus dem Bereich {c} für gemeinsame Anlässe",
    "fr": "un partenaire {c} du quartier pour des événements communs",
    "es": "un socio de {c} cercano para eventos conjuntos",
}
PROVIDES = {
    "en": "{p} for other businesses, delivered by cargo bike",
    "de": "{p} für andere Betriebe, geliefert mit dem Lastenvelo",
    "fr": "{p} pour d'autres commerces, livrés à vélo cargo",
    "es": "{p} para otros negocios, entregados en bicicleta de carga",
}
ALT = [
    (
        "The shop from the street",
        "Der Laden von der Strasse aus",
        "La boutique vue de la rue",
        "La tienda desde la calle",
    ),
    (
        "The workshop with tools on the wall",
        "Die Werkstatt mit Werkzeug an der Wand",
        "L'atelier et ses outils",
        "El taller con herramientas en la pared",
    ),
    (
        "The team behind the counter",
        "Das Team hinter der Theke",
        "L'équipe derrière le comptoir",
        "El equipo detrás del mostrador",
    ),
    (
        "Shelves full of products",
        "Volle Regale",
        "Des étagères bien remplies",
        "Estantes llenos de productos",
    ),
]
ROLE = [
    ("owner", "Inhaberin", "propriétaire", "dueña"),
    ("founder", "Gründer", "fondateur", "fundador"),
    ("master craftsman", "Meister", "maître artisan", "maestro artesano"),
    ("manager", "Geschäftsführerin", "gérante", "gerente"),
]
A11Y_NOTE = [
    (
        "One step at the entrance, ramp on request.",
        "Eine Stufe am Eingang, Rampe auf Anfrage.",
        "Une marche à l'entrée, rampe sur demande.",
        "Un escalón en la entrada, rampa a pedido.",
    ),
    (
        "Step-free entrance at the back.",
        "Stufenloser Eingang auf der Rückseite.",
        "Entrée sans marche à l'arrière.",
        "Entrada sin escalones por detrás.",
    ),
]

PEOPLE = {
    "bern": (
        (
            "Lea",
            "Sina",
            "Nora",
            "Anna",
            "Mia",
            "Laura",
            "Jonas",
            "Luca",
            "Noah",
            "Simon",
            "Marco",
            "Reto",
            "Urs",
            "Beat",
            "Claudia",
            "Sabine",
            "Fabienne",
            "Céline",
            "Mathieu",
            "Chantal",
            "Thomas",
            "Daniel",
            "Andrea",
            "Nicole",
            "Yasmin",
            "Emre",
            "Milan",
            "Ardit",
            "Elif",
            "Giulia",
        ),
        (
            "Brunner",
            "Graf",
            "Müller",
            "Meier",
            "Schmid",
            "Keller",
            "Weber",
            "Huber",
            "Schneider",
            "Steiner",
            "Gerber",
            "Zimmermann",
            "Moser",
            "Baumann",
            "Frei",
            "Kunz",
            "Roth",
            "Wyss",
            "Bühler",
            "Aebi",
            "Känzig",
            "Lüthi",
            "Zaugg",
            "Rüfenacht",
            "Dubois",
            "Rochat",
            "Favre",
            "Rossi",
            "Bianchi",
            "Yilmaz",
            "Krasniqi",
            "Stucki",
            "Hofer",
            "Marti",
            "Flückiger",
        ),
    ),
    "santa-cruz": (
        (
            "Maria",
            "Jose",
            "Emily",
            "Jessica",
            "Michael",
            "David",
            "Sarah",
            "Ashley",
            "Daniel",
            "Carlos",
            "Sofia",
            "Luis",
            "Ana",
            "Kevin",
            "Megan",
            "Tyler",
            "Grace",
            "Hannah",
            "Diego",
            "Lucia",
            "Noah",
            "Olivia",
            "Ethan",
            "Mei",
            "Hiro",
            "Priya",
        ),
        (
            "Garcia",
            "Martinez",
            "Lopez",
            "Hernandez",
            "Smith",
            "Johnson",
            "Brown",
            "Miller",
            "Davis",
            "Wilson",
            "Anderson",
            "Taylor",
            "Nguyen",
            "Chen",
            "Kim",
            "Patel",
            "Rivera",
            "Torres",
            "Ramirez",
            "Flores",
            "Murphy",
            "O'Brien",
            "Sullivan",
            "Cohen",
            "Okafor",
            "Larsen",
            "Silva",
            "Mendoza",
        ),
    ),
}
FANCY = {
    "bern": (
        "Linde",
        "Sonnenblume",
        "Rosengarten",
        "Aare",
        "Zytglogge",
        "Gurten",
        "Eiche",
        "Spatz",
        "Fuchs",
        "Kompass",
        "Anker",
        "Mondschein",
        "Goldener Apfel",
        "Bärenhöhle",
        "Lauben",
        "Brunnen",
        "Kornhaus",
        "Falken",
        "Rabe",
        "Igel",
    ),
    "santa-cruz": (
        "Redwood",
        "Pacific",
        "Boardwalk",
        "Monarch",
        "Lighthouse",
        "Wharf",
        "Sea Otter",
        "Banana Slug",
        "Golden Poppy",
        "Steelhead",
        "Cypress",
        "Saltwater",
        "Driftwood",
        "Tidepool",
        "Kelp Forest",
        "Sand Dollar",
        "Mountain Lion",
        "Fog City",
    ),
}
FANCY_OTHER = {  # names in the area's second language
    "bern": (
        "fr",
        (
            "La Cigale",
            "Le Petit Atelier",
            "Chez Marguerite",
            "La Fourmi",
            "Le Tilleul",
            "L'Escargot",
            "Le Colibri",
            "La Bonne Étoile",
        ),
    ),
    "santa-cruz": (
        "es",
        ("La Esperanza", "El Colibrí", "La Palma", "El Sol", "La Marea", "Los Amigos", "La Luna"),
    ),
}
MATERIALS = (
    "oak",
    "ash",
    "walnut",
    "steel",
    "aluminium",
    "linen",
    "wool",
    "cotton",
    "leather",
    "clay",
    "glass",
    "brass",
    "silver",
    "recycled paper",
    "beeswax",
    "linseed oil",
)
ORIGINS = ("CH", "DE", "FR", "IT", "AT", "PT", "US", "MX")
CERTS = {
    "CH": [
        ("Bio Suisse Knospe", "Bio Suisse", "https://www.bio-suisse.ch/de/knospe.html"),
        (
            "Fairtrade Max Havelaar",
            "Max Havelaar-Stiftung (Schweiz)",
            "https://www.maxhavelaar.ch/",
        ),
        ("B Corp", "B Lab", "https://www.bcorporation.net/en-us/find-a-b-corp/"),
        ("Pro Velo Partnerbetrieb", "Pro Velo Bern", "https://www.provelobern.ch/partner"),
        (
            "Repair Café Partner",
            "Stiftung für Konsumentenschutz",
            "https://www.konsumentenschutz.ch/repair-cafes/",
        ),
    ],
    "US": [
        ("CCOF Certified Organic", "CCOF", "https://www.ccof.org/certified-members"),
        ("Green Business", "California Green Business Network", "https://greenbusinessca.org/"),
        ("B Corp", "B Lab", "https://www.bcorporation.net/en-us/find-a-b-corp/"),
        (
            "Ocean Friendly Restaurant",
            "Surfrider Foundation",
            "https://www.surfrider.org/programs/ocean-friendly-restaurants",
        ),
    ],
}
OPENING_HOURS = (  # each checked with the opening_hours parser
    "Mo-Fr 08:00-18:30; Sa 08:00-16:00; PH off",
    "Tu-Fr 09:00-12:00,13:30-18:30; Sa 09:00-16:00; PH off",
    "Mo-Sa 07:00-19:00; Su 08:00-13:00",
    "Mo-Fr 06:30-18:30; Sa 07:00-16:00; Su off",
    "We-Sa 11:30-14:00,17:30-23:00; Su 11:30-15:00",
    "Mo-Su 07:00-22:00",
    "Tu-Sa 10:00-18:00",
    "Mo-Fr 07:30-12:00,13:00-17:00",
    "Mo-Th 16:00-23:00; Fr-Sa 12:00-24:00; Su 12:00-21:00",
    "Mo-Fr 09:00-18:00; Sa 10:00-17:00; Su 11:00-16:00; PH off",
    "Apr-Oct Tu-Su 12:00-21:00; Nov-Mar Fr-Su 12:00-18:00",
    'Mo-Fr 08:00-17:00 "by appointment"',
)
ATTRIBUTES = (
    "family_owned",
    "women_owned",
    "cooperative",
    "social_enterprise",
    "locally_made",
    "organic",
    "vegetarian_options",
    "vegan_options",
    "second_hand",
    "repairs",
    "rental",
    "workshops",
    "delivery",
    "takeaway",
    "outdoor_seating",
    "wifi",
    "dogs_welcome",
)
PAYMENTS = {
    "CH": ("cash", "debit_card", "twint", "credit_card", "contactless", "invoice"),
    "US": ("cash", "credit_card", "debit_card", "contactless", "mobile_payment", "invoice"),
}
# (831) NXX-XXXX: N11 service codes and 555 are not given to businesses. Every
# other exchange was checked with phonenumbers.is_valid_number when this was written.
US_EXCHANGES = tuple(
    x for x in range(200, 1000) if x % 100 != 11 and x not in (555, 950, 958, 959, 976)
)


# --------------------------------------------------------------------------- YAML text


class Flow(list):  # type: ignore[type-arg]
    """A list written in flow style: [a, b]."""


class FlowMap(dict):  # type: ignore[type-arg]
    """A mapping written in flow style: {a: 1, b: 2}."""


class Block(str):
    """A text written as a literal block (|)."""


class Raw(str):
    """Written as is (dates, yes/no): the project's loader keeps them as text anyway."""


# Plain only when no YAML reader could take it for anything but text: it starts
# with a letter (or with a digit, '(' or '+' and has a space and no colon, like a
# phone number) and has no ': ' or ' #'. Everything else is double-quoted.
_PLAIN = re.compile(r"^(?:[A-Za-zÀ-ÿ]|[0-9(+](?=[^:]* ))[^\n]*(?<![ :])$")
_FLOW_PLAIN = re.compile(r"^[A-Za-zÀ-ÿ][A-Za-z0-9À-ÿ _.'\-]*(?<! )$")
_TYPED = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
    r"|on|On|ON|off|Off|OFF|null|Null|NULL|~)$"
)


def scalar(value: object, flow: bool = False) -> str:
    if isinstance(value, str):
        if isinstance(value, Raw):
            return value
        if (
            (_FLOW_PLAIN if flow else _PLAIN).match(value)
            and not _TYPED.match(value)
            and ": " not in value
            and " #" not in value
        ):
            return value
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML "scalar"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def emit(data: dict[str, Any], indent: str = "") -> list[str]:
    """YAML lines of a mapping; None values are left out."""
    lines: list[str] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, Flow):
            lines.append(f"{indent}{key}: [{', '.join(scalar(v, True) for v in value)}]")
        elif isinstance(value, FlowMap):
            inner = ", ".join(f"{k}: {scalar(v, True)}" for k, v in value.items())
            lines.append(f"{indent}{key}: {{{inner}}}")
        elif isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines += emit(value, indent + "  ")
        elif isinstance(value, list):
            lines.append(f"{indent}{key}:")
            for item in value:
                sub = emit(item, indent + "    ")
                sub[0] = f"{indent}  - {sub[0].lstrip()}"
                lines += sub
        elif isinstance(value, Block):
            lines.append(f"{indent}{key}: |")
            lines += [f"{indent}  {line}" if line else "" for line in value.split("\n")]
        else:
            lines.append(f"{indent}{key}: {scalar(value)}")
    return lines


# --------------------------------------------------------------------------- helpers

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "&": " ", "'": ""})
_LEGAL = re.compile(r"\b(gmbh|ag|sa|sarl|sàrl|llc|inc|ltd|co|corp|kg|klg|gbr|ug)\b\.?")


def slugify(text: str) -> str:
    text = text.lower().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _title(label: str) -> str:
    small = {"of", "and", "de", "et", "und"}
    return " ".join(w if w in small else w[:1].upper() + w[1:] for w in label.split())


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class _Cat:
    id: str
    group: str
    labels: dict[str, str]
    complements: list[str]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels["en"]


def _load(path: Path) -> Any:
    return yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_leaves(taxonomy: Path) -> list[_Cat]:
    """Categories that have a parent (entries name those, not the groups)."""
    out = []
    for c in _load(taxonomy)["categories"]:
        if c.get("parent"):
            labels = {**c["labels"], "es": ES_LABELS.get(c["id"], c["labels"].get("en", c["id"]))}
            out.append(_Cat(c["id"], c["parent"], labels, list(c.get("complements") or [])))
    return out


# --------------------------------------------------------------------------- generator


@dataclass
class _Draft:
    """What one entry is about, shared by the parts that write it."""

    id: str
    name: str
    area: AreaSpec
    cat: _Cat
    quarter: Quarter
    street: str
    langs: list[str]  # summary languages, the main one first
    text_langs: list[str]  # languages of the longer texts
    ctx: dict[str, str]

    @property
    def swiss(self) -> bool:
        return self.area.country == "CH"


class _Generator:
    def __init__(self, root: Path, seed: int, today: date):
        self.rng = random.Random(seed)
        self.rand = self.rng.random
        self.today = today
        leaves = load_leaves(TAXONOMY_FILE)
        self.by_id = {c.id: c for c in leaves}
        self.by_group: dict[str, list[_Cat]] = {}
        for c in leaves:
            self.by_group.setdefault(c.group, []).append(c)
        self.groups = list(self.by_group)
        self.group_weights = [GROUP_WEIGHTS.get(g, 5) for g in self.groups]
        self.bboxes = {
            a["id"]: [float(x) for x in a["bbox"]] for a in _load(root / "directory.yaml")["areas"]
        }
        self.names: set[str] = set()
        self.ids: set[str] = set()
        self.ids_by_area: dict[str, list[str]] = {a.id: [] for a in AREAS}

    def pick(self, seq: Any) -> Any:
        # random.choice is this generator's hot spot; this is three times faster.
        return seq[int(self.rand() * len(seq))]

    def chance(self, p: float) -> bool:
        return self.rand() < p

    # ---- unique keys

    def phones(self, area: AreaSpec, k: int) -> list[str]:
        """k different valid numbers, written the ways people write them."""
        out = []
        if area.country == "CH":
            # 031 + a 7-digit subscriber number starting 3..9: valid Bern landlines.
            for s in self.rng.sample(range(3_000_000, 10_000_000), k):
                d = f"{s:07d}"
                prefix = "+41 31" if self.chance(0.1) else "031"
                out.append(f"{prefix} {d[:3]} {d[3:5]} {d[5:]}")
            return out
        for s in self.rng.sample(range(len(US_EXCHANGES) * 10_000), k):
            ex, line = US_EXCHANGES[s // 10_000], s % 10_000
            style = self.rand()
            out.append(
                f"(831) {ex}-{line:04d}"
                if style < 0.7
                else f"831-{ex}-{line:04d}"
                if style < 0.9
                else f"+1 831 {ex} {line:04d}"
            )
        return out

    def name(self, area: AreaSpec, cat: _Cat, quarter: Quarter) -> tuple[str, bool]:
        """A name no other entry normalizes to; True if it is '<label> <quarter>'."""
        firsts, lasts = PEOPLE[area.id]
        fancy = FANCY[area.id]
        other_lang, other_fancy = FANCY_OTHER[area.id]
        label = _title(cat.label("de" if area.country == "CH" else "en"))
        for attempt in range(40):
            r = self.rand()
            plain = r < 0.3
            if plain:
                name = (
                    f"{label} {quarter.name}" if area.country == "CH" else f"{quarter.name} {label}"
                )
            elif r < 0.55:
                name = (
                    f"{label} {self.pick(lasts)}"
                    if area.country == "CH"
                    else f"{self.pick(lasts)}'s {label}"
                )
            elif r < 0.75:
                name = (
                    f"{label} {self.pick(fancy)}"
                    if area.country == "CH"
                    else f"{self.pick(fancy)} {label}"
                )
            elif r < 0.87:
                name = f"{_title(cat.label(other_lang))} {self.pick(other_fancy)}"
            elif r < 0.93:
                name = f"{self.pick(lasts)} & {self.pick(lasts)} {label}"
            else:
                name = f"{self.pick(fancy)} {self.pick(lasts)} {label}"
            if attempt >= 20:
                name = f"{name} {quarter.name} {self.pick(firsts)}"
                plain = False
            # Unique as quartier validate compares names (case, accents, legal
            # forms and look-alike letters ignored), so the tree stays valid.
            keys = name_keys(name)
            if keys and self.names.isdisjoint(keys):
                self.names.update(keys)
                if self.chance(0.08):
                    name += " GmbH" if area.country == "CH" else self.pick((" LLC", " Inc."))
                return name, plain
        raise RuntimeError("no unique name left; add words to benchmarks/synth.py")

    def unique_id(self, name: str, quarter: Quarter) -> str:
        base = slugify(_LEGAL.sub(" ", name.lower()))[:60].strip("-")
        candidate = base
        if candidate in self.ids:
            candidate = f"{base}-{slugify(quarter.name)}"
        i = 2
        while candidate in self.ids:
            candidate, i = f"{base}-{i}", i + 1
        self.ids.add(candidate)
        return candidate

    def point(self, area: AreaSpec, quarter: Quarter) -> tuple[float, float]:
        west, south, east, north = self.bboxes[area.id]
        m = 0.002
        lat = min(max(self.rng.gauss(quarter.lat, 0.004), south + m), north - m)
        lon = min(max(self.rng.gauss(quarter.lon, 0.005), west + m), east - m)
        return round(lat, 5), round(lon, 5)

    # ---- texts

    def words(self, cat: _Cat, lang: str) -> dict[str, str]:
        """Three different products of the category's group and a quality, in ``lang``."""
        pool = PRODUCTS.get(cat.group) or PRODUCTS["retail"]
        n, r = len(pool), self.rand
        a = int(r() * n)
        b = (a + 1 + int(r() * (n - 1))) % n
        c = (a + 1 + int(r() * (n - 1))) % n
        if c == b:
            c = (b + 1) % n if (b + 1) % n != a else (b + 2) % n
        i = LANG_INDEX[lang]
        return {"p1": pool[a][i], "p2": pool[b][i], "p3": pool[c][i], "q": self.pick(QUALITIES)[i]}

    def ctx(self, d: _Draft, lang: str) -> dict[str, str]:
        label = d.cat.label(lang)
        return {**d.ctx, "label": _cap(label), "label_l": label if lang == "de" else label.lower()}

    def description(self, d: _Draft, lang: str, size: int) -> str:
        """Sentences in ``lang`` until about ``size`` bytes, each template once per round."""
        color = self.pick(COLORS)
        ctx = {**self.ctx(d, lang), "color": color[0], "color_de": color[1], "color_es": color[3]}
        # Markdown bold and '&' send the loader down its slower anchor scan; about
        # one description in five has them, as on a real high street.
        pool = SENTENCES[lang] if self.chance(0.2) else _PLAIN_SENTENCES[lang]
        n = len(pool)
        out: list[str] = []
        total = 0
        limit = min(size, 3800)  # a Text holds 4000 characters
        while total < limit:
            start, stride = int(self.rand() * n), self.pick(_STRIDES[n])
            for j in range(n):
                s = pool[(start + j * stride) % n].format(**ctx, **self.words(d.cat, lang))
                out.append(s)
                total += len(s.encode("utf-8")) + 1
                if total >= limit:
                    break
        return "\n\n".join(" ".join(out[i : i + 3]) for i in range(0, len(out), 3))

    def per_lang(
        self, texts: dict[str, str] | tuple[str, ...] | list[str], langs: list[str]
    ) -> dict[str, str]:
        if isinstance(texts, dict):
            return {lg: texts[lg] for lg in langs}
        return {lg: texts[LANG_INDEX[lg]] for lg in langs}

    # ---- parts of an entry

    def story(self, d: _Draft) -> dict[str, Any]:
        firsts, lasts = PEOPLE[d.area.id]
        founders = [
            f"{self.pick(firsts)} {self.pick(lasts)}" for _ in range(self.rng.randint(1, 2))
        ]
        joined = " & ".join(founders) if d.swiss or self.chance(0.5) else " and ".join(founders)
        place = self.pick(PLACES)
        story: dict[str, Any] = {
            "text": {
                lg: " ".join(
                    s.format(founders=joined, year=d.ctx["year"], place=place[LANG_INDEX[lg]])
                    for s in self.rng.sample(STORY[lg], 2)
                )
                for lg in d.text_langs
            },
            "founders": [
                {"name": f, "role": FlowMap(self.per_lang(self.pick(ROLE), d.text_langs))}
                for f in founders
            ],
            "founding_date": d.ctx["year"]
            + (f"-{self.rng.randint(1, 12):02d}" if self.chance(0.3) else ""),
        }
        for field, texts, p in (
            ("craft", CRAFT, 0.5),
            ("sourcing", SOURCING, 0.5),
            ("purpose", PURPOSE, 0.6),
        ):
            if self.chance(p):
                story[field] = self.per_lang(texts, d.text_langs)
        return story

    def offerings(self, d: _Draft) -> list[dict[str, Any]]:
        kind = "service" if d.cat.group in SERVICE_GROUPS and self.chance(0.7) else "product"
        pool = PRODUCTS.get(d.cat.group) or PRODUCTS["retail"]
        out = []
        for prod in self.rng.sample(pool, min(len(pool), self.rng.randint(2, 6))):
            o: dict[str, Any] = {
                "name": FlowMap({lg: _cap(prod[LANG_INDEX[lg]]) for lg in d.text_langs}),
                "kind": kind,
            }
            if self.chance(0.6):
                q = self.pick(QUALITIES)
                o["description"] = {
                    lg: f"{_cap(prod[LANG_INDEX[lg]])}, {q[LANG_INDEX[lg]]}." for lg in d.text_langs
                }
            if kind == "product" and self.chance(0.5):
                o["materials"] = Flow(self.rng.sample(MATERIALS, self.rng.randint(1, 3)))
            if kind == "product" and self.chance(0.5):
                o["origin"] = d.area.country if self.chance(0.7) else self.pick(ORIGINS)
            if self.chance(0.7):
                o["made_locally"] = Raw(self.pick(("yes", "yes", "no", "unknown")))
            out.append(o)
        return out

    def collaboration(self, d: _Draft) -> dict[str, Any]:
        comp = [c for c in d.cat.complements if c in self.by_id] or [d.cat.id]
        langs = d.langs[: self.rng.randint(1, len(d.langs))]
        out: dict[str, Any] = {}
        if self.chance(0.8):
            c = self.pick(comp)
            text = {lg: SEEKS[lg].format(c=self.ctx_label(c, lg)) for lg in langs}
            out["seeks"] = [{"text": FlowMap(text), "categories": Flow([c])}]
        if self.chance(0.6) or not out:
            prod = self.pick(PRODUCTS.get(d.cat.group) or PRODUCTS["retail"])
            text = {lg: PROVIDES[lg].format(p=prod[LANG_INDEX[lg]]) for lg in langs}
            out["provides"] = [{"text": FlowMap(text), "categories": Flow([d.cat.id])}]
        return out

    def ctx_label(self, cat_id: str, lang: str) -> str:
        label = self.by_id[cat_id].label(lang)
        return label if lang == "de" else label.lower()

    def location(self, d: _Draft, home: bool) -> dict[str, Any]:
        area, quarter = d.area, d.quarter
        address: dict[str, Any] = {}
        if not home:
            number = str(self.rng.randint(1, 120)) + (self.pick("abc") if self.chance(0.05) else "")
            address["street"] = (
                f"{d.street} {number}" if d.swiss else f"{self.rng.randint(100, 2999)} {d.street}"
            )
        address.update(
            postal_code=quarter.postal_code,
            locality=quarter.locality,
            region=area.region,
            country=area.country,
        )
        lat, lon = self.point(area, quarter)
        location: dict[str, Any] = {"address": address}
        if home:
            location["hide_address"] = True
        location["geo"] = FlowMap(lat=lat, lon=lon)
        if home or self.chance(0.03):
            places = [area.quarters[0].locality] + [q.name for q in area.quarters]
            location["service_area"] = {
                "radius_km": self.pick((5, 10, 15, 20, 25)),
                "localities": Flow(self.rng.sample(places, 3)),
            }
        return location

    def contact(self, d: _Draft, phone: str) -> tuple[dict[str, Any], str | None]:
        """Website, e-mail and phone (at least one), and the website host if any."""
        tld = "ch" if d.swiss else self.pick(("com", "com", "com", "shop", "co"))
        host = f"{d.id}.{tld}"
        contact: dict[str, Any] = {}
        has_site = self.chance(0.75)
        if has_site:
            contact["website"] = f"https://{'www.' if self.chance(0.3) else ''}{host}"
        if has_site and self.chance(0.7):
            box = self.pick(("info", "hallo", "kontakt") if d.swiss else ("info", "hello", "shop"))
            contact["email"] = f"{box}@{host}"
        elif not has_site and self.chance(0.7):
            mail = self.pick(
                ("bluewin.ch", "gmx.ch", "proton.me") if d.swiss else ("gmail.com", "yahoo.com")
            )
            contact["email"] = f"{d.id[:40].strip('-').replace('-', '.')}@{mail}"
        if self.chance(0.85) or not contact:
            contact["phone"] = phone
        if d.cat.group in ("personal_services", "food_drink") and has_site and self.chance(0.2):
            contact["booking_url"] = f"https://{host}/{'termine' if d.swiss else 'book'}"
        return contact, host if has_site else None

    def social(self, d: _Draft) -> list[dict[str, str]]:
        handle = slugify(d.name).replace("-", self.pick((".", "_", "")))[:28]
        out = [{"network": "instagram", "url": f"https://www.instagram.com/{handle}"}]
        if self.chance(0.3):
            out.append({"network": "facebook", "url": f"https://www.facebook.com/{handle}"})
        if self.chance(0.08):
            out.append(
                {
                    "network": "mastodon",
                    "url": f"https://mastodon.social/@{handle.replace('.', '_')}",
                }
            )
        return out

    def certifications(self, d: _Draft) -> list[dict[str, Any]]:
        out = []
        for name, issuer, url in self.rng.sample(CERTS[d.area.country], self.rng.randint(1, 2)):
            c: dict[str, Any] = {"name": name, "issuer": issuer, "evidence_url": url}
            if self.chance(0.4):  # always ahead, so no 'expired' warning for weeks
                c["valid_until"] = Raw(str(self.today + timedelta(days=self.rng.randint(60, 1000))))
            out.append(c)
        return out

    def images(self, d: _Draft, host: str | None) -> list[dict[str, Any]]:
        firsts, lasts = PEOPLE[d.area.id]
        base = f"https://{host}/img" if host else f"https://img.quartier-cdn.example.org/{d.id}"
        out = []
        for j, alt in enumerate(self.rng.sample(ALT, self.rng.randint(1, 3))):
            img: dict[str, Any] = {
                "url": f"{base}/{j + 1}.jpg",
                "alt": FlowMap(self.per_lang(alt, d.text_langs)),
            }
            if self.chance(0.5):
                img["credit"] = f"{self.pick(firsts)} {self.pick(lasts)}"
            if self.chance(0.4):
                img["license"] = self.pick(("CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0"))
            out.append(img)
        return out

    # ---- one entry

    def entry(self, area: AreaSpec, phone: str) -> tuple[str, str]:
        """The id and YAML text of one new entry."""
        rng = self.rng
        group = rng.choices(self.groups, self.group_weights)[0]
        cat = self.pick(self.by_group[group])
        quarter = self.pick(area.quarters)
        name, plain_name = self.name(area, cat, quarter)
        eid = self.unique_id(name, quarter)
        swiss = area.country == "CH"
        if swiss:
            langs = ["de"] + [lg for lg, p in (("fr", 0.45), ("en", 0.7)) if self.chance(p)]
        else:
            langs = ["en"] + (["es"] if self.chance(0.45) else [])
        d = _Draft(
            eid,
            name,
            area,
            cat,
            quarter,
            self.pick(area.streets),
            langs,
            [langs[0]] + [lg for lg in langs[1:] if self.chance(0.5)],
            {
                "name": name,
                "quarter": quarter.name,
                "year": str(rng.randint(1950, self.today.year - 1)),
                "k": str(rng.randint(2, 12)),
            },
        )
        d.ctx["street"] = d.street

        status, superseded_by = "open", None
        r = self.rand()
        if r < 0.02:
            status = "permanently_closed"
            earlier = self.ids_by_area[area.id]
            if earlier and self.chance(0.5):
                superseded_by = self.pick(earlier)
        elif r < 0.05:
            status = "temporarily_closed"
        secondary: list[str] = []
        if self.chance(0.4):
            options = [c for c in cat.complements if c in self.by_id and c != cat.id]
            options += [c.id for c in self.by_group[group] if c.id != cat.id]
            secondary = list(
                dict.fromkeys(rng.sample(options, min(len(options), rng.randint(1, 2))))
            )
        home = group == "home_services" and self.chance(0.5)
        contact, host = self.contact(d, phone)

        e: dict[str, Any] = {"id": eid, "name": name}
        if plain_name and self.chance(0.3):
            e["names"] = FlowMap(
                {
                    lg: f"{_title(cat.label(lg))} {quarter.name}"
                    for lg in (("fr", "en") if swiss else ("es",))
                }
            )
        e["status"] = status
        e["superseded_by"] = superseded_by
        e["category"] = cat.id
        e["categories"] = Flow(secondary) if secondary else None
        e["summary"] = {
            lg: self.pick(SUMMARIES[lg]).format(**self.ctx(d, lg), **self.words(cat, lg))
            for lg in langs
        }
        e["description"] = None  # written last, to reach the file's target size
        e["story"] = self.story(d) if self.chance(0.1) else None
        e["offerings"] = self.offerings(d) if self.chance(0.1) else None
        e["collaboration"] = self.collaboration(d) if self.chance(0.15) else None
        e["location"] = self.location(d, home)
        e["opening_hours"] = self.pick(OPENING_HOURS) if not home or self.chance(0.5) else None
        e["contact"] = contact
        e["social"] = self.social(d) if self.chance(0.6) else None
        if self.chance(0.7):
            spoken = (
                (
                    ["de"]
                    + [lg for lg, p in (("fr", 0.4), ("en", 0.6), ("it", 0.15)) if self.chance(p)]
                )
                if swiss
                else ["en"] + (["es"] if self.chance(0.4) else [])
            )
            e["languages"] = Flow(spoken)
        if self.chance(0.5):
            wheelchair = self.pick(("yes", "yes", "limited", "no", "unknown"))
            a11y: dict[str, Any] = {"wheelchair": Raw(wheelchair)}
            if wheelchair == "limited" or self.chance(0.15):
                a11y["note"] = self.per_lang(self.pick(A11Y_NOTE), d.text_langs)
            e["accessibility"] = a11y
        if self.chance(0.75):
            pay = PAYMENTS[area.country]
            e["payment"] = Flow(sorted(rng.sample(pay, rng.randint(1, 4)), key=pay.index))
        if self.chance(0.7):
            attrs: dict[str, Any] = {"independent": Raw("yes")}
            for a in sorted(rng.sample(ATTRIBUTES, rng.randint(1, 6)), key=ATTRIBUTES.index):
                attrs[a] = Raw("yes" if self.chance(0.8) else "no")
            e["attributes"] = attrs
        e["certifications"] = self.certifications(d) if self.chance(0.1) else None
        e["images"] = self.images(d, host) if self.chance(0.1) else None
        firsts, lasts = PEOPLE[area.id]
        owners = [
            f"{slugify(self.pick(firsts))}-{slugify(self.pick(lasts))}"
            for _ in range(rng.randint(1, 2))
        ]
        e["maintainers"] = Flow(dict.fromkeys(owners))
        e["last_verified"] = Raw(str(self.today - timedelta(days=rng.randint(0, 300))))

        # Files weigh 1 to 4 KB, most about 2 KB: the description makes up the difference.
        keys = list(e)
        cut = keys.index("description")
        head = HEADER + "\n".join(emit({k: e[k] for k in keys[:cut]})) + "\n"
        tail = "\n".join(emit({k: e[k] for k in keys[cut + 1 :]})) + "\n"
        target = 1050 + int(rng.betavariate(1.6, 2.8) * 2950)
        budget = target - len(head.encode("utf-8")) - len(tail.encode("utf-8"))
        text = head + tail
        if budget > 80 or e["story"] is None:
            size = max(budget, 80) // len(d.text_langs) - 20
            desc: dict[str, Any] = {}
            for lg in d.text_langs:
                t = self.description(d, lg, size)
                desc[lg] = Block(t) if "\n" in t or self.chance(0.5) else t
            text = head + "\n".join(emit({"description": desc})) + "\n" + tail
        self.ids_by_area[area.id].append(eid)
        return eid, text


# --------------------------------------------------------------------------- API


# A tree is reused while its last_verified dates stay far from stale.
REUSE_DAYS = 30


def ensure(dest: Path, n: int, seed: int = 1, regen: bool = False) -> bool:
    """Generate the tree at ``dest`` unless a fresh one for (n, seed) is there; True if reused.

    Regenerating rewrites thousands of files, and the disk stays busy for a
    while after; a benchmark that reuses its tree measures only itself.
    """
    marker = dest / MARKER
    if marker.is_file() and not regen:
        meta = json.loads(marker.read_text("utf-8"))
        age = (date.today() - date.fromisoformat(meta["today"])).days
        same_context = all(
            (dest / rel).is_file() and (dest / rel).read_bytes() == (PROJECT / rel).read_bytes()
            for rel in ("directory.yaml",)
        )
        if (
            meta.get("n") == n
            and meta.get("seed") == seed
            and same_context
            and meta.get("version") == VERSION
            and 0 <= age <= REUSE_DAYS
        ):
            return True
    generate(dest, n, seed)
    return False


def generate(
    dest: Path, n: int, seed: int = 1, today: date | None = None, settings: Path | None = None
) -> Path:
    """Write a directory repository with ``n`` valid entries at ``dest``; return ``dest``.

    An existing ``dest`` is replaced only if this generator made it. ``settings``
    is the ``directory.yaml`` to copy (the project's by default): it must have the
    Bern and Santa Cruz areas, so the tests pass their sample's, which a city that
    replaced the project's keeps.
    """
    dest = Path(dest).resolve()
    today = today or date.today()
    if dest == PROJECT or (dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).is_file()):
        raise ValueError(f"{dest} exists and was not made by synth.py; refusing to replace it")
    for sub in ("entries", ".quartier-cache"):
        if (dest / sub).exists():
            shutil.rmtree(dest / sub)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings or PROJECT / "directory.yaml", dest / "directory.yaml")

    gen = _Generator(dest, seed, today)
    counts = {BERN.id: round(n * BERN.share)}
    counts[SANTA_CRUZ.id] = n - counts[BERN.id]
    order = [a for a in AREAS for _ in range(counts[a.id])]
    gen.rng.shuffle(order)
    phones = {a.id: iter(gen.phones(a, counts[a.id])) for a in AREAS}
    folders = {a.id: dest / "entries" / a.folder for a in AREAS}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    for area in order:
        eid, text = gen.entry(area, next(phones[area.id]))
        (folders[area.id] / f"{eid}.yaml").write_text(text, "utf-8")
    marker = {"n": n, "seed": seed, "today": str(today), "version": VERSION}
    (dest / MARKER).write_text(json.dumps(marker) + "\n", "utf-8")
    return dest


def size_stats(dest: Path) -> dict[str, int]:
    """Count and min/median/max/total bytes of the entry files."""
    sizes = sorted(p.stat().st_size for p in (Path(dest) / "entries").rglob("*.yaml"))
    if not sizes:
        return {"files": 0}
    return {
        "files": len(sizes),
        "min": sizes[0],
        "median": sizes[len(sizes) // 2],
        "max": sizes[-1],
        "total": sum(sizes),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Write a synthetic Quartier directory of valid entries.",
        epilog="example: python benchmarks/synth.py /tmp/q10k -n 10000 --seed 1",
    )
    p.add_argument("dest", type=Path, help="folder to create (replaced if synth.py made it)")
    p.add_argument("-n", type=int, default=1000, help="number of entries (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    try:
        generate(args.dest, args.n, args.seed)
    except ValueError as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - start
    s = size_stats(args.dest)
    print(
        f"{s['files']} entries in {args.dest} in {took:.2f} s; bytes min {s.get('min')}, "
        f"median {s.get('median')}, max {s.get('max')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
