import unicodedata


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents: "Saint-Étienne" -> "saint-etienne"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
