"""The console's words in French (first), English and German. The labels of reference data
(typology, requester kinds, authorities...) come from the reference tables, not from here."""

from app.reference.labels import Language

WORDS: dict[str, tuple[str, str, str]] = {
    # key: (français, English, Deutsch)
    "register": (
        "Registre des délégués à la bientraitance",
        "Bientraitance delegates' register",
        "Register der Bientraitance-Delegierten",
    ),
    "skip": ("Aller au contenu", "Skip to content", "Zum Inhalt springen"),
    "language": ("Langue", "Language", "Sprache"),
    "caseload": ("Situations", "Caseload", "Fälle"),
    "sign_in": ("Se connecter", "Sign in", "Anmelden"),
    "sign_out": ("Se déconnecter", "Sign out", "Abmelden"),
    "email": ("Adresse e-mail", "E-mail address", "E-Mail-Adresse"),
    "password": ("Mot de passe", "Password", "Passwort"),
    "refused": (
        "Adresse e-mail ou mot de passe incorrect.",
        "Wrong e-mail address or password.",
        "E-Mail-Adresse oder Passwort falsch.",
    ),
    "throttled": (
        "Trop d'essais manqués : réessayez dans {minutes} min.",
        "Too many failed attempts: try again in {minutes} min.",
        "Zu viele Fehlversuche: in {minutes} Min. erneut versuchen.",
    ),
    "no_console": (
        "Ce compte n'a pas accès à la console.",
        "This account has no access to the console.",
        "Dieses Konto hat keinen Zugang zur Konsole.",
    ),
    "signed_out": ("Vous êtes déconnecté·e.", "You are signed out.", "Sie sind abgemeldet."),
    "session_ended": (
        "Votre session a pris fin : connectez-vous à nouveau.",
        "Your session has ended: please sign in again.",
        "Ihre Sitzung ist beendet: bitte erneut anmelden.",
    ),
    "forged": (
        "Ce formulaire n'a pas été envoyé depuis la console : rechargez la page et recommencez.",
        "This form was not sent from the console: reload the page and try again.",
        "Dieses Formular kam nicht aus der Konsole: Seite neu laden und erneut versuchen.",
    ),
    "not_found": ("Situation introuvable", "Situation not found", "Situation nicht gefunden"),
    "not_found_text": (
        "Aucune situation de votre périmètre ne porte cette référence.",
        "No situation within your reach has this reference.",
        "Keine Situation in Ihrem Bereich hat diese Referenz.",
    ),
    "back": ("Retour aux situations", "Back to the caseload", "Zurück zu den Fällen"),
    "open_by_colour": (
        "Situations ouvertes par couleur",
        "Open situations by colour",
        "Offene Situationen nach Farbe",
    ),
    "attention": ("À traiter", "Needs attention", "Zu erledigen"),
    "red_without_report": (
        "Rouges sans signalement ni décision motivée",
        "Red without a report or a justified decision",
        "Rot ohne Meldung oder begründete Entscheidung",
    ),
    "without_review": (
        "Ouvertes sans revue de fin d'année {year}",
        "Open without a year-end review for {year}",
        "Offen ohne Jahresendprüfung {year}",
    ),
    "inactive": (
        "Sans activité depuis {days} jours",
        "No activity for {days} days",
        "Seit {days} Tagen ohne Aktivität",
    ),
    "none": ("Aucune", "None", "Keine"),
    "filters": ("Filtrer", "Filter", "Filtern"),
    "reference": ("Référence", "Reference", "Referenz"),
    "organisation": ("Organisme", "Organisation", "Organisation"),
    "site": ("Site", "Site", "Standort"),
    "typology": ("Typologie", "Typology", "Typologie"),
    "closure_typology": ("Typologie de clôture", "Closure typology", "Typologie bei Abschluss"),
    "colour": ("Couleur", "Colour", "Farbe"),
    "status": ("Statut", "Status", "Status"),
    "opened_from": ("Ouverte à partir du", "Opened from", "Eröffnet ab"),
    "opened_to": ("Ouverte jusqu'au", "Opened until", "Eröffnet bis"),
    "opened_on": ("Ouverte le", "Opened on", "Eröffnet am"),
    "any": ("Toutes", "Any", "Alle"),
    "apply": ("Appliquer", "Apply", "Anwenden"),
    "clear": ("Effacer les filtres", "Clear the filters", "Filter löschen"),
    "results": ("Situations trouvées", "Situations found", "Gefundene Situationen"),
    "no_results": (
        "Aucune situation ne correspond.",
        "No situation matches.",
        "Keine Situation entspricht.",
    ),
    "next_page": ("Page suivante", "Next page", "Nächste Seite"),
    "first_page": ("Première page", "First page", "Erste Seite"),
    "red": ("Rouge", "Red", "Rot"),
    "orange": ("Orange", "Orange", "Orange"),
    "green": ("Vert", "Green", "Grün"),
    "red_means": (
        "danger grave et immédiat : signalement ou décision motivée avant clôture",
        "serious and immediate danger: a report or a justified decision before closure",
        "ernste und unmittelbare Gefahr: Meldung oder begründete Entscheidung vor Abschluss",
    ),
    "orange_means": (
        "situation préoccupante, à suivre de près",
        "a worrying situation, to follow closely",
        "besorgniserregend, eng zu begleiten",
    ),
    "green_means": (
        "questionnement sur la bientraitance",
        "a question about good treatment",
        "Frage zur guten Behandlung",
    ),
    "open": ("Ouverte", "Open", "Offen"),
    "closed": ("Close", "Closed", "Abgeschlossen"),
    "requester_kind": ("Demandeur", "Requester", "Anfragende Person"),
    "age_group": ("Âge", "Age group", "Altersgruppe"),
    "summary": ("Résumé", "Summary", "Zusammenfassung"),
    "timeline": ("Historique", "Timeline", "Verlauf"),
    "opened_by": ("Ouverte par {who}", "Opened by {who}", "Eröffnet von {who}"),
    "kind_situation_edit": (
        "Données d'accueil corrigées",
        "Intake data corrected",
        "Aufnahmedaten korrigiert",
    ),
    "kind_severity_change": ("Changement de couleur", "Change of colour", "Farbwechsel"),
    "kind_year_end_review": ("Revue de fin d'année", "Year-end review", "Jahresendprüfung"),
    "kind_authority_report": ("Signalement", "Report", "Meldung"),
    "kind_not_reported": (
        "Décision de ne pas signaler",
        "Decision not to report",
        "Entscheidung, nicht zu melden",
    ),
    "kind_delegate_action": (
        "Action du délégué",
        "Delegate's action",
        "Maßnahme der delegierten Person",
    ),
    "kind_closure": ("Clôture", "Closure", "Abschluss"),
    "kind_reopening": ("Réouverture", "Reopening", "Wiedereröffnung"),
    "minutes": ("{n} min", "{n} min", "{n} Min."),
    "recorded_by": ("par {who}", "by {who}", "von {who}"),
    "page_title_situation": (
        "Situation {reference}",
        "Situation {reference}",
        "Situation {reference}",
    ),
    "main_nav": ("Navigation principale", "Main navigation", "Hauptnavigation"),
    "new_situation": ("Nouvelle situation", "New situation", "Neue Situation"),
    "file": ("Enregistrer la situation", "File the situation", "Situation erfassen"),
    "form_has_errors": (
        "Le formulaire contient des erreurs : voir les champs signalés.",
        "The form has mistakes: see the fields marked.",
        "Das Formular enthält Fehler: siehe die markierten Felder.",
    ),
    "required": (
        "Ce champ est obligatoire.",
        "This field is required.",
        "Dieses Feld ist erforderlich.",
    ),
    "invalid_date": ("Date invalide.", "Not a valid date.", "Ungültiges Datum."),
    "choose": (
        "Choisissez une valeur de la liste.",
        "Choose a value from the list.",
        "Wählen Sie einen Wert aus der Liste.",
    ),
    "in_future": (
        "La date ne peut pas être dans le futur.",
        "The date cannot be in the future.",
        "Das Datum darf nicht in der Zukunft liegen.",
    ),
    "optional": ("facultatif", "optional", "optional"),
    "no_site": ("Aucun site précis", "No particular site", "Kein bestimmter Standort"),
    "typology_groups": (
        "Les groupes de la typologie",
        "The typology's groups",
        "Die Gruppen der Typologie",
    ),
    "summary_help": (
        "Les faits, sans nom de personne. Ce texte est chiffré.",
        "The facts, without anyone's name. This text is encrypted.",
        "Die Fakten, ohne Namen. Dieser Text wird verschlüsselt.",
    ),
    "choose_one": ("— choisir —", "— choose —", "— auswählen —"),
    "signed_in_as": ("Connecté·e : {who}", "Signed in: {who}", "Angemeldet: {who}"),
}


def say(key: str, lang: Language, **values: object) -> str:
    """The words of `key` in `lang`, with `values` put in."""
    french, english, german = WORDS[key]
    text = {Language.FR: french, Language.EN: english, Language.DE: german}[lang]
    return text.format(**values) if values else text
