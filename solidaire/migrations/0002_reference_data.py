"""Reference data every installation needs: legal forms, sectors (filières),
offer categories and the regional staff group. Staff edit them in the admin."""

from django.db import migrations

LEGAL_FORMS = [
    ("association", "Association loi 1901", "Association (1901 law)"),
    ("scop", "SCOP — société coopérative et participative", "Worker cooperative (SCOP)"),
    ("scic", "SCIC — société coopérative d'intérêt collectif", "Multi-stakeholder cooperative (SCIC)"),
    ("cooperative", "Coopérative", "Cooperative"),
    ("mutuelle", "Mutuelle", "Mutual society"),
    ("fondation", "Fondation", "Foundation"),
    ("entreprise-insertion", "Entreprise d'insertion", "Work integration enterprise"),
    ("entreprise-adaptee", "Entreprise adaptée", "Adapted enterprise (disability)"),
    ("esus", "Entreprise agréée ESUS", "ESUS-approved company"),
    ("autre", "Autre", "Other"),
]

SECTORS = [
    ("alimentation", "Alimentation et agriculture durable", "Food and sustainable farming"),
    ("economie-circulaire", "Réemploi et économie circulaire", "Reuse and circular economy"),
    ("habitat-energie", "Habitat et transition énergétique", "Housing and energy transition"),
    ("mobilite", "Mobilité", "Mobility"),
    ("culture", "Culture et loisirs", "Culture and leisure"),
    ("sante-social", "Santé, social et médico-social", "Health and social care"),
    ("services-personne", "Services à la personne", "Personal services"),
    ("insertion", "Insertion par l'activité économique", "Work integration"),
    ("education", "Éducation et formation", "Education and training"),
    ("finance-solidaire", "Finance solidaire", "Solidarity finance"),
    ("tourisme", "Tourisme social et solidaire", "Social tourism"),
    ("numerique", "Numérique responsable", "Responsible digital services"),
    ("commerce-equitable", "Commerce équitable", "Fair trade"),
]

OFFER_CATEGORIES = [
    ("alimentation", "Alimentation", "Food"),
    ("reparation", "Réparation", "Repair"),
    ("seconde-main", "Seconde main", "Second-hand"),
    ("textile", "Textile et habillement", "Clothing and textiles"),
    ("formation", "Formation", "Training"),
    ("conseil", "Conseil et accompagnement", "Advice and support"),
    ("batiment", "Bâtiment et rénovation", "Building and renovation"),
    ("energie", "Énergie", "Energy"),
    ("transport", "Transport et mobilité", "Transport and mobility"),
    ("hebergement", "Hébergement et restauration", "Accommodation and catering"),
    ("culture", "Culture, loisirs et sport", "Culture, leisure and sport"),
    ("numerique", "Numérique", "Digital"),
    ("services-entreprises", "Services aux entreprises", "Business services"),
    ("services-personne", "Services à la personne", "Personal services"),
    ("finance", "Épargne et financement", "Savings and finance"),
]


def load(apps, schema_editor):
    for model_name, rows in [("LegalForm", LEGAL_FORMS), ("Sector", SECTORS), ("OfferCategory", OFFER_CATEGORIES)]:
        model = apps.get_model("solidaire", model_name)
        for position, (code, name, name_en) in enumerate(rows):
            model.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "position": position})
    apps.get_model("auth", "Group").objects.get_or_create(name="regional_staff")


class Migration(migrations.Migration):
    dependencies = [("solidaire", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
