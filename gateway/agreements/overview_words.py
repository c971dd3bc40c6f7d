"""The words of the overview's sentences (`overview.SENTENCES`) in the riders' three languages.

Each language has the same keys with the same `str.format` fields (a test holds them together); the logic that
picks the pieces stays once in `overview`. Numbers and amounts are filled in as the agreement writes them
(`12.00 EUR`, `6.5 %`), in every language, as the rest of the transparency notice shows them: the sentence
quotes the agreement, it does not restate it. French and Dutch are Belgian usage, with the words the rider pages
use (gateway/web/locales): shift, course / rit, convention / overeenkomst, coursier / koerier.
"""

from __future__ import annotations

from decimal import Decimal

LANGUAGES = ("en", "fr", "nl")

EN: dict[str, str] = {
    "hours.one": "{n} hour",
    "hours.other": "{n} hours",
    "and": " and ",
    "or": " or ",
    "sep": "; ",
    # minimum_engagement
    "min.paid": "Every shift is paid at least {hours}, {counted}, even with no delivery.",
    "min.counted.first_delivery": "counted from the first delivery (from the start of the shift when there is none)",
    "min.counted.start": "counted from the start of the shift",
    "min.notice": "A shift cancelled less than {hours} before its start is paid {pays}.",
    "min.notice.minimum": "the minimum hours",
    "min.notice.booked": "the hours booked",
    "min.notice.nothing": "nothing",
    "min.graded": "A shift the platform cancels before its start pays {bands}; nothing with more notice.",
    "min.graded.band": "{percent} % of the {of} with less than {hours}' notice",
    "min.graded.booked": "booked hours",
    "min.graded.guaranteed": "hours the booking guaranteed",
    "min.home": "A rider sent home before the end is paid {pays}.",
    "min.home.minimum": "at least the minimum hours",
    "min.home.booked": "the hours booked",
    # hourly_floor
    "floor.worked": "Each hour worked",
    "floor.paid": "Each paid hour (the guaranteed ones too)",
    "floor.net": "{hours} earns at least {amount} {currency} net, after the employee's social security and "
    "withholding; the gateway works out the gross that gives it.",
    "floor.gross": "{hours} earns at least {amount} {currency} gross.",
    "statutory_minimum": "Every hour is paid at least the statutory minimum wage, pro rata; where it is higher than "
    "the agreement's own floor, the higher one wins.",
    # piece_rate
    "piece.forbidden": "Riders are paid by the hour, never per trip, and are paid even with no delivery: an offer per "
    "trip is replaced by hourly pay.",
    "piece.no_less_favourable": "Riders are paid by the hour, never per trip. When a platform offers a price per "
    "trip, the booking guarantees the hourly floor and, at the end of the shift, the rider gets the better of all "
    "the hourly pay (premiums, overtime and seniority included) and the trips at the offered price, paid as hours.",
    "piece.allowed": "Pay per trip is allowed; the trips are topped up to the hourly floor when they pay less.",
    # expenses
    "expenses": "The platform pays expenses on top of the salary, untaxed: {items}.",
    "expenses.item": "{amount} {currency} {per} for {name}",
    "per.paid_hour": "an hour paid",
    "per.shift": "a shift",
    "per.month": "a month",
    "per.km": "a kilometre the platform records",
    "per.delivery": "a delivery",
    # insurance
    "insurance": "The rider is insured ({cover}); the insurance is taken out by {insurer}.",
    "insurance.insurer": "the {name}",
    # payment_term
    "payment": "The rider is paid within {days} after the shift, whether or not the platform has paid.",
    "payment.business": "{days} working days",
    "payment.calendar": "{days} calendar days",
    # guarantee_levy
    "levy": "{pct} % of {base} goes to the guarantee fund, which pays the riders when a platform pays late or never.",
    "levy.invoice_excl_vat": "the invoice excluding VAT",
    "levy.cost": "the cost of the shift",
    # premiums
    "premiums": "On top of the hourly pay, {items}; {combine}. A premium never fills the hourly floor.",
    "premium.item": "hours {where} are paid {more}",
    "premium.percent": "{percent} % more",
    "premium.amount": "{amount} {currency} more an hour",
    "premium.night": "worked between {start} and {end} (local time)",
    "premium.sunday": "worked on a Sunday",
    "premium.public_holiday": "worked on a public holiday",
    "premium.bad_weather": "of a shift the platform flags as in bad weather",
    "premium.other": "of kind {kind}",
    "premium.stack": "premiums over the same hour add up",
    "premium.highest": "only the highest premium is paid on an hour",
    # overtime
    "overtime": "Hours worked {past} are paid {percent} % more{both}.",
    "overtime.day": "past {hours} in a day",
    "overtime.week": "past {hours} in a week (Monday to Sunday, across every platform)",
    "overtime.both": " (the larger of the two, never both)",
    # working_time_limits
    "limits": "A rider works {limits}. Hours already worked are always paid.",
    "limits.item": "{limit} ({mode})",
    "limits.max_hours_day": "at most {hours} a day",
    "limits.max_hours_week": "at most {hours} a week",
    "limits.min_rest_hours": "at least {hours} of rest between two working days",
    "limits.amend": "the booking is shortened to fit",
    "limits.reject": "the booking is refused",
    "limits.report": "reported",
    # waiting_time
    "waiting": "Time waiting for the first order is paid at {percent} % of the hourly rate, never below the floor, "
    "as its own line.",
    # bonus
    "bonus.forbidden": "A bonus the platform sends is not paid: the agreement does not allow bonuses.",
    "bonus.allowed": "A bonus the platform sends with the shift is paid on top of the hourly pay; it never counts "
    "towards the floor.",
    # seniority
    "seniority": "Counted from the date the rider joined the cooperative (on the day of the shift): {steps}, on "
    "every paid hour.",
    "seniority.step": "{after}, {more}",
    "seniority.after.one": "after {n} full year",
    "seniority.after.other": "after {n} full years",
    "seniority.amount": "{amount} {currency} more an hour",
    "seniority.percent": "{percent} % more an hour",
    # generic: a type without a sentence of its own
    "generic": "{type}: {said}.",
    "generic.empty": "{type}.",
    "none": "none",
}

FR: dict[str, str] = {
    "hours.one": "{n} heure",
    "hours.other": "{n} heures",
    "and": " et ",
    "or": " ou ",
    "sep": " ; ",
    "min.paid": "Chaque shift est payé au moins {hours}, {counted}, même sans livraison.",
    "min.counted.first_delivery": "comptées à partir de la première livraison (à partir du début du shift s'il n'y "
    "en a aucune)",
    "min.counted.start": "comptées à partir du début du shift",
    "min.notice": "Un shift annulé moins de {hours} avant son début {pays}.",
    "min.notice.minimum": "est payé à hauteur du minimum d'heures",
    "min.notice.booked": "est payé à hauteur des heures réservées",
    "min.notice.nothing": "n'est pas payé",
    "min.graded": "Un shift que la plateforme annule avant son début est payé {bands} ; il n'est pas payé si elle "
    "prévient plus tôt.",
    "min.graded.band": "à {percent} % des {of} si elle prévient moins de {hours} à l'avance",
    "min.graded.booked": "heures réservées",
    "min.graded.guaranteed": "heures garanties par la réservation",
    "min.home": "Un coursier renvoyé chez lui avant la fin du shift est payé {pays}.",
    "min.home.minimum": "pour au moins le minimum d'heures",
    "min.home.booked": "pour les heures réservées",
    "floor.worked": "Chaque heure travaillée",
    "floor.paid": "Chaque heure payée (les heures garanties aussi)",
    "floor.net": "{hours} rapporte au moins {amount} {currency} net, après les cotisations sociales personnelles et "
    "le précompte professionnel ; la passerelle calcule le brut qui y correspond.",
    "floor.gross": "{hours} rapporte au moins {amount} {currency} brut.",
    "statutory_minimum": "Chaque heure est payée au moins au salaire minimum légal, au prorata ; quand il dépasse "
    "le minimum propre à la convention, le plus élevé des deux s'applique.",
    "piece.forbidden": "Les coursiers sont payés à l'heure, jamais à la course, et même sans livraison : une offre à "
    "la course est remplacée par une paie à l'heure.",
    "piece.no_less_favourable": "Les coursiers sont payés à l'heure, jamais à la course. Quand une plateforme "
    "propose un prix par course, la réservation garantit le salaire horaire minimum et, à la fin du shift, le "
    "coursier reçoit le plus favorable des deux : toute la paie à l'heure (suppléments, heures supplémentaires et "
    "ancienneté compris) ou les courses au prix proposé, payées en heures.",
    "piece.allowed": "La paie à la course est autorisée ; les courses sont complétées jusqu'au salaire horaire "
    "minimum quand elles rapportent moins.",
    "expenses": "La plateforme rembourse des frais en plus du salaire, non imposables : {items}.",
    "expenses.item": "{amount} {currency} {per} ({name})",
    "per.paid_hour": "par heure payée",
    "per.shift": "par shift",
    "per.month": "par mois",
    "per.km": "par kilomètre enregistré par la plateforme",
    "per.delivery": "par livraison",
    "insurance": "Le coursier est assuré ({cover}) ; l'assurance est souscrite par {insurer}.",
    "insurance.insurer": "{name}",
    "payment": "Le coursier est payé dans les {days} qui suivent le shift, que la plateforme ait payé ou non.",
    "payment.business": "{days} jours ouvrables",
    "payment.calendar": "{days} jours calendrier",
    "levy": "{pct} % {base} va au fonds de garantie, qui paie les coursiers quand une plateforme paie en retard ou "
    "ne paie pas.",
    "levy.invoice_excl_vat": "de la facture hors TVA",
    "levy.cost": "du coût du shift",
    "premiums": "En plus du salaire horaire, {items} ; {combine}. Une prime ne sert jamais à atteindre le salaire "
    "horaire minimum.",
    "premium.item": "les heures {where} sont payées {more}",
    "premium.percent": "{percent} % de plus",
    "premium.amount": "{amount} {currency} de plus par heure",
    "premium.night": "travaillées entre {start} et {end} (heure locale)",
    "premium.sunday": "travaillées un dimanche",
    "premium.public_holiday": "travaillées un jour férié",
    "premium.bad_weather": "d'un shift que la plateforme signale par mauvais temps",
    "premium.other": "de type {kind}",
    "premium.stack": "les primes sur une même heure s'additionnent",
    "premium.highest": "seule la prime la plus élevée est payée sur une heure",
    "overtime": "Les heures travaillées {past} sont payées {percent} % de plus{both}.",
    "overtime.day": "au-delà de {hours} par jour",
    "overtime.week": "au-delà de {hours} par semaine (du lundi au dimanche, toutes plateformes confondues)",
    "overtime.both": " (la plus grande des deux majorations, jamais les deux)",
    "limits": "Temps de travail d'un coursier : {limits}. Les heures déjà travaillées sont toujours payées.",
    "limits.item": "{limit} ({mode})",
    "limits.max_hours_day": "au plus {hours} par jour",
    "limits.max_hours_week": "au plus {hours} par semaine",
    "limits.min_rest_hours": "au moins {hours} de repos entre deux journées de travail",
    "limits.amend": "la réservation est raccourcie pour s'y conformer",
    "limits.reject": "la réservation est refusée",
    "limits.report": "un dépassement est seulement enregistré",
    "waiting": "Le temps d'attente de la première commande est payé à {percent} % du taux horaire, jamais sous le "
    "minimum, sur une ligne distincte.",
    "bonus.forbidden": "Un bonus envoyé par la plateforme n'est pas payé : la convention n'autorise pas les bonus.",
    "bonus.allowed": "Un bonus que la plateforme envoie avec le shift est payé en plus du salaire horaire ; il ne "
    "compte jamais pour atteindre le minimum.",
    "seniority": "Ancienneté comptée à partir de la date d'entrée du coursier dans la coopérative (au jour du "
    "shift) : {steps}, sur chaque heure payée.",
    "seniority.step": "{after}, {more}",
    "seniority.after.one": "après {n} année complète",
    "seniority.after.other": "après {n} années complètes",
    "seniority.amount": "{amount} {currency} de plus par heure",
    "seniority.percent": "{percent} % de plus par heure",
    "generic": "Terme « {type} » : {said}.",
    "generic.empty": "Terme « {type} ».",
    "none": "aucun",
}

NL: dict[str, str] = {
    # "uur" after a number stays singular: 1 uur, 3 uur.
    "hours.one": "{n} uur",
    "hours.other": "{n} uur",
    "and": " en ",
    "or": " of ",
    "sep": "; ",
    "min.paid": "Elke shift wordt voor minstens {hours} betaald, {counted}, ook zonder levering.",
    "min.counted.first_delivery": "geteld vanaf de eerste levering (vanaf het begin van de shift als er geen is)",
    "min.counted.start": "geteld vanaf het begin van de shift",
    "min.notice": "Een shift die minder dan {hours} voor het begin wordt geannuleerd, {pays}.",
    "min.notice.minimum": "wordt betaald voor het minimum aantal uren",
    "min.notice.booked": "wordt betaald voor de geboekte uren",
    "min.notice.nothing": "wordt niet betaald",
    "min.graded": "Een shift die het platform voor het begin annuleert, wordt betaald aan {bands}; niets als het "
    "platform vroeger verwittigt.",
    "min.graded.band": "{percent} % van de {of} als het platform minder dan {hours} vooraf verwittigt",
    "min.graded.booked": "geboekte uren",
    "min.graded.guaranteed": "uren die de boeking garandeerde",
    "min.home": "Een koerier die voor het einde van de shift naar huis wordt gestuurd, krijgt {pays} betaald.",
    "min.home.minimum": "minstens het minimum aantal uren",
    "min.home.booked": "de geboekte uren",
    "floor.worked": "Elk gewerkt uur",
    "floor.paid": "Elk betaald uur (ook de gegarandeerde)",
    "floor.net": "{hours} brengt minstens {amount} {currency} netto op, na de persoonlijke sociale bijdragen en de "
    "bedrijfsvoorheffing; de gateway berekent het brutobedrag dat dat oplevert.",
    "floor.gross": "{hours} brengt minstens {amount} {currency} bruto op.",
    "statutory_minimum": "Elk uur wordt minstens aan het wettelijk minimumloon betaald, pro rata; waar dat hoger is "
    "dan het minimum van de overeenkomst zelf, geldt het hoogste van de twee.",
    "piece.forbidden": "Koeriers worden per uur betaald, nooit per rit, ook zonder levering: een aanbod per rit wordt "
    "vervangen door uurloon.",
    "piece.no_less_favourable": "Koeriers worden per uur betaald, nooit per rit. Als een platform een prijs per rit "
    "biedt, garandeert de boeking het minimumuurloon en krijgt de koerier na de shift het gunstigste van de twee: "
    "al het uurloon (toeslagen, overuren en anciënniteit inbegrepen) of de ritten tegen de geboden prijs, "
    "uitbetaald in uren.",
    "piece.allowed": "Loon per rit is toegestaan; de ritten worden aangevuld tot het minimumuurloon als ze minder "
    "opbrengen.",
    "expenses": "Het platform betaalt onkosten terug bovenop het loon, belastingvrij: {items}.",
    "expenses.item": "{amount} {currency} {per} ({name})",
    "per.paid_hour": "per betaald uur",
    "per.shift": "per shift",
    "per.month": "per maand",
    "per.km": "per kilometer die het platform registreert",
    "per.delivery": "per levering",
    "insurance": "De koerier is verzekerd ({cover}); de verzekering wordt afgesloten door {insurer}.",
    "insurance.insurer": "{name}",
    "payment": "De koerier wordt binnen {days} na de shift betaald, of het platform nu betaald heeft of niet.",
    "payment.business": "{days} werkdagen",
    "payment.calendar": "{days} kalenderdagen",
    "levy": "{pct} % van {base} gaat naar het waarborgfonds, dat de koeriers betaalt wanneer een platform te laat of "
    "nooit betaalt.",
    "levy.invoice_excl_vat": "de factuur exclusief btw",
    "levy.cost": "de kostprijs van de shift",
    "premiums": "Bovenop het uurloon: {items}; {combine}. Een premie telt nooit mee om het minimumuurloon te halen.",
    "premium.item": "uren {where} worden {more} betaald",
    "premium.percent": "{percent} % meer",
    "premium.amount": "{amount} {currency} per uur meer",
    "premium.night": "gewerkt tussen {start} en {end} (lokale tijd)",
    "premium.sunday": "gewerkt op een zondag",
    "premium.public_holiday": "gewerkt op een feestdag",
    "premium.bad_weather": "van een shift waarvoor het platform slecht weer meldt",
    "premium.other": "van het soort {kind}",
    "premium.stack": "premies voor hetzelfde uur worden samengeteld",
    "premium.highest": "op een uur wordt alleen de hoogste premie betaald",
    "overtime": "Uren {past} worden {percent} % meer betaald{both}.",
    "overtime.day": "boven {hours} per dag",
    "overtime.week": "boven {hours} per week (maandag tot zondag, over alle platformen samen)",
    "overtime.both": " (de hoogste van de twee toeslagen, nooit beide)",
    "limits": "Arbeidstijd van een koerier: {limits}. Al gewerkte uren worden altijd betaald.",
    "limits.item": "{limit} ({mode})",
    "limits.max_hours_day": "hoogstens {hours} per dag",
    "limits.max_hours_week": "hoogstens {hours} per week",
    "limits.min_rest_hours": "minstens {hours} rust tussen twee werkdagen",
    "limits.amend": "de boeking wordt ingekort tot ze past",
    "limits.reject": "de boeking wordt geweigerd",
    "limits.report": "een overschrijding wordt alleen genoteerd",
    "waiting": "Wachttijd tot de eerste bestelling wordt betaald aan {percent} % van het uurloon, nooit onder het "
    "minimum, als aparte lijn.",
    "bonus.forbidden": "Een bonus die het platform stuurt, wordt niet uitbetaald: de overeenkomst staat geen bonussen "
    "toe.",
    "bonus.allowed": "Een bonus die het platform met de shift meestuurt, wordt bovenop het uurloon betaald; hij telt "
    "nooit mee voor het minimum.",
    "seniority": "Anciënniteit geteld vanaf de datum waarop de koerier bij de coöperatie kwam (op de dag van de "
    "shift): {steps}, op elk betaald uur.",
    "seniority.step": "{after}, {more}",
    "seniority.after.one": "na {n} volledig jaar",
    "seniority.after.other": "na {n} volledige jaren",
    "seniority.amount": "{amount} {currency} per uur meer",
    "seniority.percent": "{percent} % per uur meer",
    "generic": "Voorwaarde ‘{type}’: {said}.",
    "generic.empty": "Voorwaarde ‘{type}’.",
    "none": "geen",
}

WORDS: dict[str, dict[str, str]] = {"en": EN, "fr": FR, "nl": NL}

# Names an agreement writes as free text (an expense's `name`, an insurance's `cover` and `insurer`), in the words
# the rider pages use for them; a name not listed is shown as written. English shows every name as written.
NAMES: dict[str, dict[str, str]] = {
    "en": {},
    "fr": {
        "phone and data": "téléphone et données mobiles",
        "bike allowance": "indemnité vélo",
        "bike": "vélo",
        "work accident": "accidents du travail",
        "civil liability": "responsabilité civile",
        "cooperative": "la coopérative",
        "platform": "la plateforme",
    },
    "nl": {
        "phone and data": "telefoon en mobiele data",
        "bike allowance": "fietsvergoeding",
        "bike": "fiets",
        "work accident": "arbeidsongevallen",
        "civil liability": "burgerlijke aansprakelijkheid",
        "cooperative": "de coöperatie",
        "platform": "het platform",
    },
}


def singular(lang: str, n: Decimal) -> bool:
    """CLDR's plural rule for a count: French takes the singular below 2 (1,5 heure), English and Dutch only at 1."""
    return n < 2 if lang == "fr" else n == 1
