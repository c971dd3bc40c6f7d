"""Declarations of employment to social security (Belgium: Dimona IN/OUT), behind one connector interface."""

from gateway.plugins import Automated, Plugin, Said

# For the public transparency notice (directive art. 9).
DECLARED = Automated(
    key="declarations.dimona",
    kind="declaration",
    decides=Said(
        en="Declares each contract's work to social security before it starts; a declaration the service refuses "
        "blocks the contract until a person at the cooperative corrects it.",
        fr="Déclare le travail de chaque contrat à la sécurité sociale avant son début ; une déclaration que le "
        "service refuse bloque le contrat jusqu'à ce qu'une personne de la coopérative la corrige.",
        nl="Geeft het werk van elk contract vóór de start aan bij de sociale zekerheid; een aangifte die de dienst "
        "weigert, blokkeert het contract tot iemand van de coöperatie ze verbetert.",
    ),
    data=Said(
        en="The shift's dates and the member's identity as the declaration requires it.",
        fr="Les dates du service et l'identité du membre telle que la déclaration l'exige.",
        nl="De data van de dienst en de identiteit van het lid zoals de aangifte ze vereist.",
    ),
    parameters=Said(
        en="The social security service's answer (accepted, accepted with warnings, refused).",
        fr="La réponse du service de la sécurité sociale (acceptée, acceptée avec avertissements, refusée).",
        nl="Het antwoord van de socialezekerheidsdienst (aanvaard, aanvaard met waarschuwingen, geweigerd).",
    ),
)

PLUGIN = Plugin(__name__, outbox_handlers=(".delivery",), decides=(DECLARED,))
