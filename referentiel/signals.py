"""What the référentiel plugs into the core, connected in ReferentielConfig.ready(): its
part of a person's data export."""

from referentiel import privacy
from solidaire.privacy import register_exporter


def connect() -> None:
    register_exporter("referentiel")(privacy.export)
