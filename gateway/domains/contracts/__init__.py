"""The employment contract's write side: booking, lifecycle, bounds, identity (blocked until it can be declared)."""

from gateway.plugins import Automated, Plugin, Said

# For the public transparency notice (directive art. 9); the booking's corrections and refusals are the agreement's
# terms, listed from the agreement itself.
BLOCKED = Automated(
    key="contracts.blocked",
    kind="contract_blocked",
    decides=Said(
        en="Holds a new contract (blocked) while the member's identity is not complete enough to declare the work to "
        "social security; it is released as soon as the identity is complete.",
        fr="Met en attente (bloque) un nouveau contrat tant que l'identité du membre ne suffit pas pour déclarer le "
        "travail à la sécurité sociale ; il est libéré dès que l'identité est complète.",
        nl="Houdt een nieuw contract tegen (geblokkeerd) zolang de identiteit van het lid niet volledig genoeg is om "
        "het werk bij de sociale zekerheid aan te geven; het wordt vrijgegeven zodra de identiteit volledig is.",
    ),
    data=Said(
        en="Which identity fields the cooperative holds for the member (national number or birth details, address); "
        "never their values.",
        fr="Les champs d'identité que la coopérative a pour le membre (numéro national ou données de naissance, "
        "adresse) ; jamais leurs valeurs.",
        nl="Welke identiteitsgegevens de coöperatie van het lid heeft (rijksregisternummer of geboortegegevens, "
        "adres); nooit hun waarden.",
    ),
    parameters=Said(
        en="The fields the declaration of employment requires.",
        fr="Les champs que la déclaration d'emploi exige.",
        nl="De velden die de aangifte van tewerkstelling vereist.",
    ),
)

PLUGIN = Plugin(__name__, cli=".cli:contracts_app", decides=(BLOCKED,))
