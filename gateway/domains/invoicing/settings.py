"""The invoicing settings, read from the environment like the gateway's (`GATEWAY_INVOICING_...`): the cooperative
as seller, each platform as buyer, the VAT rate and the payment terms.

Buyers are configuration, not a table: a platform's legal identity changes rarely, is set by the cooperative (never
by the platform), and a wrong enterprise or VAT number must stop `gateway serve` at once (it builds every plugin's
settings before starting) rather than surface in a platform's accounting weeks later. Every number is checked with
python-stdnum's `be.vat` (the installed python-stdnum has no `be.bce`: a Belgian enterprise number is the same ten
digits as the VAT number, 0 or 1 then a mod-97 check, so one module checks both) and the IBAN and BIC with schwifty.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from schwifty import BIC, IBAN
from stdnum.be import vat
from stdnum.exceptions import ValidationError


def _enterprise_number(value: str) -> str:
    try:
        return str(vat.validate(value))
    except ValidationError as exc:
        raise ValueError(f"not a Belgian enterprise number (python-stdnum be.vat): {exc}") from exc


def _vat_number(value: str) -> str:
    try:
        return "BE" + str(vat.validate(value))
    except ValidationError as exc:
        raise ValueError(f"not a Belgian VAT number (python-stdnum be.vat): {exc}") from exc


def _iban(value: str) -> str:
    try:
        return str(IBAN(value).compact)
    except ValueError as exc:
        raise ValueError(f"not an IBAN: {exc}") from exc


def _bic(value: str) -> str:
    try:
        return str(BIC(value).compact)
    except ValueError as exc:
        raise ValueError(f"not a BIC: {exc}") from exc


EnterpriseNumber = Annotated[str, AfterValidator(_enterprise_number)]
VatNumber = Annotated[str, AfterValidator(_vat_number)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class Party(BaseModel):
    """A Belgian legal person on an invoice. Belgium only today: the Peppol endpoint is the enterprise number under
    scheme 0208 (FACTS.md), and every platform the cooperative has signed with invoices from a Belgian entity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Text
    enterprise_number: EnterpriseNumber
    vat_number: VatNumber
    street: Text
    city: Text
    postcode: Annotated[str, Field(pattern=r"^[1-9][0-9]{3}$")]
    country: Annotated[str, Field(pattern="^BE$")] = "BE"


EXAMPLE_SELLER = Party(
    name="Example Cooperative SCE",
    enterprise_number="0403.170.701",
    vat_number="BE0403170701",
    street="Rue Coenraets 72",
    city="Saint-Gilles",
    postcode="1060",
)
EXAMPLE_IBAN = "BE68539007547034"


class InvoicingSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_INVOICING_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    # The gateway's own mode (GATEWAY_ENV, production unless said otherwise), read here so that the example seller
    # below is refused outside development and tests, as the gateway's placeholder secrets are.
    env: Literal["development", "production", "test"] = Field(default="production", validation_alias="GATEWAY_ENV")
    # Development defaults: a well-formed example (checksums valid), so `./dev run` issues documents that validate.
    # Production must set the cooperative's own identity and account.
    seller: Party = EXAMPLE_SELLER
    iban: Annotated[str, AfterValidator(_iban)] = EXAMPLE_IBAN
    bic: Annotated[str, AfterValidator(_bic)] = "GKCCBEBB"
    # Platform slug -> its legal identity as buyer, e.g. GATEWAY_INVOICING_BUYERS='{"demo": {"name": ...}}'.
    buyers: dict[str, Party] = {}
    # Making workers available to a platform is a taxable service at the Belgian standard rate (21 %), category S;
    # a rate is configurable because the cooperative's tax adviser, not the code, decides it.
    vat_rate: Annotated[Decimal, Field(gt=0, le=100, decimal_places=2)] = Decimal("21")
    # The platform pays within this many days of issue (the cooperative's general terms); the rider is paid by the
    # agreement's own payment term whatever the platform does (guarantee fund).
    payment_days: Annotated[int, Field(ge=0, le=120)] = 30

    @model_validator(mode="after")
    def _own_identity_outside_development(self) -> InvoicingSettings:
        # Invoices under an example identity or into an example account would be sent to real platforms.
        if self.env == "production" and (self.seller == EXAMPLE_SELLER or self.iban == EXAMPLE_IBAN):
            raise ValueError(
                "GATEWAY_INVOICING_SELLER and GATEWAY_INVOICING_IBAN are the development examples: set the "
                "cooperative's own (or GATEWAY_ENV=development)"
            )
        return self


@cache
def get_invoicing_settings() -> InvoicingSettings:
    return InvoicingSettings()
