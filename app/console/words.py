"""The console's words in French (first), English and German. The labels of reference data
(typology, requester kinds, authorities...) come from the reference tables, not from here."""

from datetime import date
from typing import Any

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
    "change_filters": (
        "Modifier les filtres (retour à la première page)",
        "Change the filters (back to the first page)",
        "Filter ändern (zurück zur ersten Seite)",
    ),
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
    "kind_created": ("Ouverture", "Opening", "Eröffnung"),
    "kind_edited": (
        "Données d'accueil corrigées",
        "Intake data corrected",
        "Aufnahmedaten korrigiert",
    ),
    "kind_severity_changed": ("Changement de couleur", "Change of colour", "Farbwechsel"),
    "kind_year_end_review": ("Revue de fin d'année", "Year-end review", "Jahresendprüfung"),
    "kind_authority_report": ("Signalement", "Report", "Meldung"),
    "kind_not_reported": (
        "Décision de ne pas signaler",
        "Decision not to report",
        "Entscheidung, nicht zu melden",
    ),
    "kind_action": ("Action du délégué", "Delegate's action", "Maßnahme der delegierten Person"),
    "kind_closed": ("Clôture", "Closure", "Abschluss"),
    "kind_reopened": ("Réouverture", "Reopening", "Wiedereröffnung"),
    "kind_erased": (
        "Récits effacés au terme de la conservation",
        "Narratives erased at the end of retention",
        "Texte nach Ablauf der Aufbewahrung gelöscht",
    ),
    "what_next": ("Enregistrer la suite", "Record what followed", "Weiteres erfassen"),
    "change_colour": ("Changer la couleur", "Change the colour", "Farbe ändern"),
    "new_colour": ("Nouvelle couleur", "New colour", "Neue Farbe"),
    "reason": ("Motif", "Reason", "Grund"),
    "date": ("Date", "Date", "Datum"),
    "record_report": (
        "Enregistrer un signalement ou une décision",
        "Record a report or a decision",
        "Meldung oder Entscheidung erfassen",
    ),
    "decision": ("Décision", "Decision", "Entscheidung"),
    "reported": ("Signalée à une autorité", "Reported to an authority", "Einer Behörde gemeldet"),
    "not_reported": (
        "Décision motivée de ne pas signaler",
        "Justified decision not to report",
        "Begründete Entscheidung, nicht zu melden",
    ),
    "authority": ("Autorité", "Authority", "Behörde"),
    "if_reported": ("si signalée", "if reported", "falls gemeldet"),
    "justification": ("Justification", "Justification", "Begründung"),
    "if_not_reported": ("si non signalée", "if not reported", "falls nicht gemeldet"),
    "log_action": ("Noter une action", "Log an action", "Maßnahme erfassen"),
    "action_kind": ("Type d'action", "Kind of action", "Art der Maßnahme"),
    "duration": ("Durée (minutes)", "Duration (minutes)", "Dauer (Minuten)"),
    "note": ("Note", "Note", "Notiz"),
    "year_end_review": ("Revue de fin d'année", "Year-end review", "Jahresendprüfung"),
    "year": ("Année", "Year", "Jahr"),
    "close": ("Clôturer", "Close", "Abschließen"),
    "outcome": ("Issue", "Outcome", "Ergebnis"),
    "reopen": ("Rouvrir", "Reopen", "Wiedereröffnen"),
    "correct_intake": (
        "Corriger les données d'accueil",
        "Correct the intake data",
        "Aufnahmedaten korrigieren",
    ),
    "who_accessed": (
        "Qui a consulté ce dossier",
        "Who accessed this file",
        "Wer diese Akte eingesehen hat",
    ),
    "changed_meanwhile": (
        "La situation a changé depuis que vous l'avez ouverte : rien n'a été enregistré. Voici la page à jour ; votre saisie est conservée.",
        "The situation changed since you opened it: nothing was recorded. Here is the page as it is now; what you typed is kept.",
        "Die Situation hat sich geändert, seit Sie sie geöffnet haben: nichts wurde gespeichert. Hier die aktuelle Seite; Ihre Eingaben bleiben erhalten.",
    ),
    "what_changed": (
        "Ce qui a changé entre-temps :",
        "What changed meanwhile:",
        "Was sich inzwischen geändert hat:",
    ),
    "rule_red-needs-report": (
        "Une situation rouge n'est clôturée qu'après un signalement à une autorité, ou une décision motivée de ne pas signaler : enregistrez-la d'abord.",
        "A red situation is closed only after a report to an authority, or a justified decision not to report: record it first.",
        "Eine rote Situation wird erst nach einer Meldung an eine Behörde oder einer begründeten Entscheidung, nicht zu melden, abgeschlossen: bitte zuerst erfassen.",
    ),
    "rule_same-severity": (
        "La situation a déjà cette couleur.",
        "The situation has this colour already.",
        "Die Situation hat diese Farbe bereits.",
    ),
    "rule_closed-situation": (
        "La situation est close : rouvrez-la d'abord.",
        "The situation is closed: reopen it first.",
        "Die Situation ist abgeschlossen: zuerst wiedereröffnen.",
    ),
    "rule_reopen-open-situation": (
        "La situation est déjà ouverte.",
        "The situation is open already.",
        "Die Situation ist bereits offen.",
    ),
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
    "not_a_number": (
        "Saisissez un nombre entier.",
        "Enter a whole number.",
        "Bitte eine ganze Zahl eingeben.",
    ),
    "at_least": ("Au moins {ge}.", "At least {ge}.", "Mindestens {ge}."),
    "at_most": ("Au plus {le}.", "At most {le}.", "Höchstens {le}."),
    "too_long": (
        "Au plus {max_length} caractères.",
        "At most {max_length} characters.",
        "Höchstens {max_length} Zeichen.",
    ),
    "choose": (
        "Choisissez une valeur de la liste.",
        "Choose a value from the list.",
        "Wählen Sie einen Wert aus der Liste.",
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
    "statistics": ("Statistiques", "Statistics", "Statistik"),
    "provisional": (
        "Chiffres provisoires : l'année {year} n'est pas terminée.",
        "Provisional figures: {year} has not ended.",
        "Vorläufige Zahlen: das Jahr {year} ist nicht beendet.",
    ),
    "compare_with": ("Comparer avec", "Compare with", "Vergleichen mit"),
    "whole_network": ("Tout le réseau", "The whole network", "Das ganze Netzwerk"),
    "suppress_below": (
        "Masquer les nombres inférieurs à",
        "Hide counts below",
        "Zahlen verbergen unter",
    ),
    "download_csv": (
        "Télécharger les chiffres (CSV)",
        "Download the figures (CSV)",
        "Zahlen herunterladen (CSV)",
    ),
    "situations": ("Situations", "Situations", "Situationen"),
    "administration": ("Administration", "Administration", "Verwaltung"),
    "section_organisations": (
        "Organismes et sites",
        "Organisations and sites",
        "Organisationen und Standorte",
    ),
    "section_accounts": ("Comptes des personnes", "People's accounts", "Konten der Personen"),
    "section_clients": ("Clients machines", "Machine clients", "Maschinen-Clients"),
    "section_authorities": ("Autorités", "Authorities", "Behörden"),
    "section_webhooks": ("Abonnements webhook", "Webhook subscriptions", "Webhook-Abonnements"),
    "section_baselines": (
        "Chiffres publiés des années passées",
        "Past years' published figures",
        "Veröffentlichte Zahlen früherer Jahre",
    ),
    "section_audit": ("Journal d'audit", "Audit trail", "Prüfprotokoll"),
    "sites": ("Sites", "Sites", "Standorte"),
    "new_organisation": ("Nouvel organisme", "New organisation", "Neue Organisation"),
    "new_site": ("Nouveau site", "New site", "Neuer Standort"),
    "new_account": ("Nouveau compte", "New account", "Neues Konto"),
    "new_client": ("Nouveau client machine", "New machine client", "Neuer Maschinen-Client"),
    "new_authority": ("Nouvelle autorité", "New authority", "Neue Behörde"),
    "new_baseline": (
        "Chiffres publiés d'une année",
        "A year's published figures",
        "Veröffentlichte Zahlen eines Jahres",
    ),
    "field_without_closure_typology": (
        "Sans typologie de sortie",
        "Without closure typology",
        "Ohne Abschlusstypologie",
    ),
    "field_requalified": (
        "Situations requalifiées",
        "Requalified situations",
        "Neu eingestufte Situationen",
    ),
    "field_intake": ("Typologie à l'entrée", "Typology at intake", "Typologie bei Eröffnung"),
    "field_closure": ("Typologie à la sortie", "Typology at closure", "Typologie beim Abschluss"),
    "field_groups": ("Groupes de typologies", "Typology groups", "Typologiegruppen"),
    "field_organisations": ("Par organisation", "By organisation", "Nach Organisation"),
    "field_severity_at_year_end": (
        "Couleur en fin d'année",
        "Colour at year end",
        "Farbe am Jahresende",
    ),
    "field_highest_severity": (
        "Couleur la plus élevée atteinte",
        "Highest colour reached",
        "Höchste erreichte Farbe",
    ),
    "field_reports": ("Signalements", "Reports", "Meldungen"),
    "field_reports_by_authority": (
        "Signalements par autorité",
        "Reports by authority",
        "Meldungen nach Behörde",
    ),
    "field_requalifications": ("Requalifications", "Requalifications", "Neueinstufungen"),
    "pairs_hint": (
        "une paire par ligne : M1 M21 3",
        "one pair a line: M1 M21 3",
        "ein Paar pro Zeile: M1 M21 3",
    ),
    "field_source_note": (
        "Source des chiffres",
        "Where the figures come from",
        "Quelle der Zahlen",
    ),
    "status_reported": ("Signalée", "Reported", "Gemeldet"),
    "status_decided_not_to_report": (
        "Décision motivée de ne pas signaler",
        "Justified decision not to report",
        "Begründete Entscheidung, nicht zu melden",
    ),
    "status_red_without_report": (
        "Rouge sans signalement ni décision",
        "Red without report or decision",
        "Rot ohne Meldung oder Entscheidung",
    ),
    "status_none": (
        "Sans signalement (vert ou orange)",
        "No report (green or orange)",
        "Keine Meldung (grün oder orange)",
    ),
    "baseline_help": (
        "Laissez vide ce qui n'est pas connu : vide n'est pas zéro.",
        "Leave empty what is not known: empty is not zero.",
        "Unbekanntes leer lassen: leer ist nicht null.",
    ),
    "field_code": ("Code", "Code", "Code"),
    "field_name": ("Nom", "Name", "Name"),
    "field_display_name": ("Nom affiché", "Display name", "Anzeigename"),
    "field_role": ("Rôle", "Role", "Rolle"),
    "field_label_fr": ("Libellé en français", "Label in French", "Bezeichnung auf Französisch"),
    "field_label_en": ("Libellé en anglais", "Label in English", "Bezeichnung auf Englisch"),
    "field_label_de": ("Libellé en allemand", "Label in German", "Bezeichnung auf Deutsch"),
    "field_email": ("Adresse e-mail", "E-mail address", "E-Mail-Adresse"),
    "field_password": ("Mot de passe", "Password", "Passwort"),
    "field_organisation": ("Organisme", "Organisation", "Organisation"),
    "field_year": ("Année", "Year", "Jahr"),
    "for_bound_roles": (
        "pour un coordinateur ou un intranet",
        "for a coordinator or an intranet",
        "für Koordination oder Intranet",
    ),
    "role_admin": ("Administrateur", "Administrator", "Administration"),
    "role_delegate": ("Délégué", "Delegate", "Delegierte Person"),
    "role_coordinator": (
        "Coordinateur d'un organisme",
        "An organisation's coordinator",
        "Koordination einer Organisation",
    ),
    "role_reporter": ("Lecteur des statistiques", "Statistics reader", "Statistik-Leser"),
    "role_intranet": (
        "Intranet d'un organisme",
        "An organisation's intranet",
        "Intranet einer Organisation",
    ),
    "active": ("actif", "active", "aktiv"),
    "disabled": ("désactivé", "disabled", "deaktiviert"),
    "disable": ("Désactiver", "Disable", "Deaktivieren"),
    "enable": ("Réactiver", "Enable", "Aktivieren"),
    "unlock": ("Débloquer", "Unlock", "Entsperren"),
    "reset_password": ("Nouveau mot de passe", "Reset the password", "Passwort zurücksetzen"),
    "new_password": (
        "Nouveau mot de passe (12 caractères au moins)",
        "New password (at least 12 characters)",
        "Neues Passwort (mindestens 12 Zeichen)",
    ),
    "rotate": ("Changer le secret", "Rotate the secret", "Geheimnis erneuern"),
    "secret_once": (
        "Notez ce secret maintenant : il ne sera plus jamais affiché.",
        "Write this secret down now: it will never be shown again.",
        "Notieren Sie dieses Geheimnis jetzt: es wird nie wieder angezeigt.",
    ),
    "add": ("Ajouter", "Add", "Hinzufügen"),
    "save": ("Enregistrer", "Save", "Speichern"),
    "remove": ("Supprimer", "Remove", "Entfernen"),
    "verify_chain": (
        "Vérifier la chaîne d'audit",
        "Verify the audit chain",
        "Prüfkette verifizieren",
    ),
    "chain_intact": (
        "La chaîne est intacte : {n} entrées vérifiées.",
        "The chain is intact: {n} entries checked.",
        "Die Kette ist intakt: {n} Einträge geprüft.",
    ),
    "chain_broken": (
        "La chaîne est rompue : {n} problèmes.",
        "The chain is broken: {n} problems.",
        "Die Kette ist gebrochen: {n} Probleme.",
    ),
    "when": ("Quand", "When", "Wann"),
    "what": ("Quoi", "What", "Was"),
    "who": ("Qui", "Who", "Wer"),
    "done_organisations-create": (
        "L'organisme a été ajouté.",
        "The organisation was added.",
        "Die Organisation wurde hinzugefügt.",
    ),
    "done_organisations-site": (
        "Le site a été ajouté.",
        "The site was added.",
        "Der Standort wurde hinzugefügt.",
    ),
    "done_accounts-create": (
        "Le compte a été créé.",
        "The account was created.",
        "Das Konto wurde angelegt.",
    ),
    "done_accounts-disable": (
        "Le compte est désactivé : ses sessions ont pris fin.",
        "The account is disabled: its sessions have ended.",
        "Das Konto ist deaktiviert: seine Sitzungen sind beendet.",
    ),
    "done_accounts-enable": (
        "Le compte est réactivé.",
        "The account is enabled again.",
        "Das Konto ist wieder aktiv.",
    ),
    "done_accounts-unlock": (
        "Le compte est débloqué.",
        "The account is unlocked.",
        "Das Konto ist entsperrt.",
    ),
    "done_accounts-password": (
        "Le mot de passe est changé : les sessions du compte ont pris fin.",
        "The password is changed: the account's sessions have ended.",
        "Das Passwort ist geändert: die Sitzungen des Kontos sind beendet.",
    ),
    "done_clients-disable": (
        "Le client est désactivé.",
        "The client is disabled.",
        "Der Client ist deaktiviert.",
    ),
    "done_authorities-create": (
        "L'autorité a été ajoutée.",
        "The authority was added.",
        "Die Behörde wurde hinzugefügt.",
    ),
    "done_webhooks-stop": (
        "L'abonnement est arrêté.",
        "The subscription is stopped.",
        "Das Abonnement ist beendet.",
    ),
    "done_baselines-put": (
        "Les chiffres sont enregistrés.",
        "The figures are saved.",
        "Die Zahlen sind gespeichert.",
    ),
    "done_baselines-delete": (
        "Les chiffres sont supprimés.",
        "The figures are removed.",
        "Die Zahlen sind entfernt.",
    ),
    "download_report": (
        "Télécharger le rapport annuel (HTML, à imprimer)",
        "Download the annual report (HTML, to print)",
        "Jahresbericht herunterladen (HTML, zum Drucken)",
    ),
    "signed_in_as": ("Connecté·e : {who}", "Signed in: {who}", "Angemeldet: {who}"),
}


# The services' reasons for refusing a field or a change, keyed by the words the API says them
# in (a template whose values are put in after): (français, English, Deutsch).
REASONS: dict[str, tuple[str, str, str]] = {
    "required": WORDS["required"],
    "cannot be null": WORDS["required"],
    "choose one of the list": WORDS["choose"],
    "one pair a line: the code at intake, the code at closure, the count (M1 M21 3)": (
        "Une paire par ligne : le code à l'entrée, le code à la sortie, le nombre (M1 M21 3).",
        "One pair a line: the code at intake, the code at closure, the count (M1 M21 3).",
        "Ein Paar pro Zeile: Code bei Eröffnung, Code bei Abschluss, Anzahl (M1 M21 3).",
    ),
    "must not be in the future": (
        "La date ne peut pas être dans le futur.",
        "The date cannot be in the future.",
        "Das Datum darf nicht in der Zukunft liegen.",
    ),
    "before {what} ({earliest})": (
        "Date antérieure à {what} ({earliest}).",
        "This date comes before {what} ({earliest}).",
        "Das Datum liegt vor {what} ({earliest}).",
    ),
    "the date the situation was opened": (
        "la date d'ouverture de la situation",
        "the date the situation was opened",
        "dem Eröffnungsdatum der Situation",
    ),
    "the last change of colour": (
        "le dernier changement de couleur",
        "the last change of colour",
        "dem letzten Farbwechsel",
    ),
    "the situation was last reopened": (
        "la dernière réouverture de la situation",
        "the last reopening of the situation",
        "der letzten Wiedereröffnung der Situation",
    ),
    "the last year-end review": (
        "la dernière revue de fin d'année",
        "the last year-end review",
        "der letzten Jahresendprüfung",
    ),
    "the last report decision": (
        "la dernière décision de signalement",
        "the last report decision",
        "der letzten Meldeentscheidung",
    ),
    "the closure it reopens": (
        "la clôture qu'elle rouvre",
        "the closure it reopens",
        "dem Abschluss, den sie wiedereröffnet",
    ),
    "after the first dated record of its history ({first_dated})": (
        "Date postérieure au premier événement daté de son historique ({first_dated}).",
        "This date comes after the first dated record of its history ({first_dated}).",
        "Das Datum liegt nach dem ersten datierten Eintrag ihres Verlaufs ({first_dated}).",
    ),
    "after the year of a year-end review ({year})": (
        "Date postérieure à l'année d'une revue de fin d'année ({year}).",
        "This date comes after the year of a year-end review ({year}).",
        "Das Datum liegt nach dem Jahr einer Jahresendprüfung ({year}).",
    ),
    "the situation was closed then ({closed_on})": (
        "La situation était close à cette date ({closed_on}).",
        "The situation was closed then ({closed_on}).",
        "Die Situation war zu diesem Zeitpunkt abgeschlossen ({closed_on}).",
    ),
    "the situation was not open yet in that year": (
        "La situation n'était pas encore ouverte cette année-là.",
        "The situation was not open yet in that year.",
        "Die Situation war in diesem Jahr noch nicht eröffnet.",
    ),
    "a year cannot be reviewed before it has begun": (
        "Une année ne peut pas être revue avant d'avoir commencé.",
        "A year cannot be reviewed before it has begun.",
        "Ein Jahr kann nicht vor seinem Beginn geprüft werden.",
    ),
    "required when the situation was reported": (
        "Indiquez l'autorité à qui la situation a été signalée.",
        "Say which authority the situation was reported to.",
        "Bitte die Behörde angeben, an die gemeldet wurde.",
    ),
    "only for a situation that was reported": (
        "Seulement pour une situation signalée.",
        "Only for a situation that was reported.",
        "Nur für eine gemeldete Situation.",
    ),
    "a decision not to report must say why": (
        "Une décision de ne pas signaler doit être motivée.",
        "A decision not to report must say why.",
        "Eine Entscheidung, nicht zu melden, muss begründet werden.",
    ),
    "unknown code (see GET /api/v1/reference/authorities)": (
        "Autorité inconnue : choisissez-en une de la liste.",
        "Unknown authority: choose one of the list.",
        "Unbekannte Behörde: bitte aus der Liste wählen.",
    ),
    "unknown code (see GET /api/v1/reference/requester-kinds)": (
        "Choix inconnu : choisissez dans la liste.",
        "Unknown choice: choose one of the list.",
        "Unbekannte Auswahl: bitte aus der Liste wählen.",
    ),
    "unknown code (see GET /api/v1/reference/age-groups)": (
        "Choix inconnu : choisissez dans la liste.",
        "Unknown choice: choose one of the list.",
        "Unbekannte Auswahl: bitte aus der Liste wählen.",
    ),
    "unknown group (see GET /api/v1/typologies)": (
        "Groupe inconnu de la typologie.",
        "A group the typology does not have.",
        "Eine Gruppe, die die Typologie nicht kennt.",
    ),
    "unknown authority": ("Autorité inconnue.", "Unknown authority.", "Unbekannte Behörde."),
    "not an active site of this organisation": (
        "Ce site n'est pas un site actif de cette organisation.",
        "Not an active site of this organisation.",
        "Kein aktiver Standort dieser Organisation.",
    ),
    "no site of this name in {organisation}": (
        "Aucun site de ce nom dans {organisation}.",
        "No site of this name in {organisation}.",
        "Kein Standort dieses Namens in {organisation}.",
    ),
    "no organisation has this code": (
        "Aucune organisation n'a ce code.",
        "No organisation has this code.",
        "Keine Organisation hat diesen Code.",
    ),
    "no organisation in your reach has this code": (
        "Aucune organisation à votre portée n'a ce code.",
        "No organisation within your reach has this code.",
        "Keine Organisation in Ihrer Zuständigkeit hat diesen Code.",
    ),
    "this organisation is no longer active": (
        "Cette organisation n'est plus active.",
        "This organisation is no longer active.",
        "Diese Organisation ist nicht mehr aktiv.",
    ),
    "required for the role '{role}'": (
        "Obligatoire pour le rôle « {role} ».",
        "Required for the role “{role}”.",
        "Pflichtfeld für die Rolle „{role}“.",
    ),
    "the role '{role}' is not bound to an organisation": (
        "Le rôle « {role} » n'est pas lié à une organisation : laissez ce champ vide.",
        "The role “{role}” is not bound to an organisation: leave this field empty.",
        "Die Rolle „{role}“ ist an keine Organisation gebunden: Feld leer lassen.",
    ),
    "a {kind} account takes one of: {roles}": (
        "Ce compte prend l'un de ces rôles : {roles}.",
        "This account takes one of these roles: {roles}.",
        "Dieses Konto hat eine dieser Rollen: {roles}.",
    ),
    "a baseline is for a past year": (
        "Les chiffres enregistrés sont ceux d'une année passée.",
        "Figures are kept for a past year only.",
        "Zahlen werden nur für ein vergangenes Jahr gespeichert.",
    ),
    "the counts add up to {value}, not to the {total} situations": (
        "Ces nombres font {value} au total, et non les {total} situations.",
        "These counts add up to {value}, not to the {total} situations.",
        "Diese Zahlen ergeben {value}, nicht die {total} Situationen.",
    ),
    "the group's codes add up to {known}, not {given}": (
        "Les codes du groupe font {known} au total, et non {given}.",
        "The group's codes add up to {known}, not {given}.",
        "Die Codes der Gruppe ergeben {known}, nicht {given}.",
    ),
    "the pairs add up to {listed}, not {requalified}": (
        "Les paires font {listed} au total, et non {requalified}.",
        "The pairs add up to {listed}, not {requalified}.",
        "Die Paare ergeben {listed}, nicht {requalified}.",
    ),
    "« {word} » is not one of: {allowed}": (
        "« {word} » n'est pas l'un de : {allowed}.",
        "“{word}” is not one of: {allowed}.",
        "„{word}“ ist keiner von: {allowed}.",
    ),
    "not a cursor from this service": (
        "Lien de page invalide.",
        "Not a page link of this register.",
        "Kein gültiger Seitenlink.",
    ),
    "1 to {most} printable characters": (
        "De 1 à {most} caractères imprimables.",
        "1 to {most} printable characters.",
        "1 bis {most} druckbare Zeichen.",
    ),
    "An account with this e-mail exists already.": (
        "Un compte existe déjà avec cette adresse e-mail.",
        "An account with this e-mail address exists already.",
        "Ein Konto mit dieser E-Mail-Adresse besteht bereits.",
    ),
    "A machine client has a secret, not a password.": (
        "Un client machine a un secret, pas un mot de passe.",
        "A machine client has a secret, not a password.",
        "Ein Maschinen-Client hat ein Geheimnis, kein Passwort.",
    ),
    "Only a machine client has a secret to rotate.": (
        "Seul un client machine a un secret à renouveler.",
        "Only a machine client has a secret to renew.",
        "Nur ein Maschinen-Client hat ein Geheimnis zum Erneuern.",
    ),
    "An authority with this code exists already.": (
        "Une autorité existe déjà avec ce code.",
        "An authority with this code exists already.",
        "Eine Behörde mit diesem Code besteht bereits.",
    ),
    "An organisation with this code exists already.": (
        "Une organisation existe déjà avec ce code.",
        "An organisation with this code exists already.",
        "Eine Organisation mit diesem Code besteht bereits.",
    ),
    "This organisation has a site with this name already.": (
        "Cette organisation a déjà un site de ce nom.",
        "This organisation has a site with this name already.",
        "Diese Organisation hat bereits einen Standort dieses Namens.",
    ),
    "A request with this Idempotency-Key is being processed; retry in a moment.": (
        "Ce formulaire est en cours d'enregistrement : patientez un instant.",
        "This form is being filed: wait a moment.",
        "Dieses Formular wird gerade gespeichert: bitte einen Moment warten.",
    ),
}


def say(key: str, lang: Language, **values: object) -> str:
    """The words of `key` in `lang`, with `values` put in."""
    text = _in(WORDS[key], lang)
    return text.format(**values) if values else text


def say_reason(template: str, values: dict[str, Any], lang: Language) -> str:
    """A service's reason in `lang`: its words from REASONS, its values put in (dates as the
    console writes them; roles, and the phrases REASONS has, in their words)."""

    def word(name: str, value: Any) -> str:
        if isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, str) and value in REASONS:
            return _in(REASONS[value], lang)
        if name in ("role", "roles"):
            roles = str(value).split(", ")
            return ", ".join(say(f"role_{r}", lang) if f"role_{r}" in WORDS else r for r in roles)
        return str(value)

    words = _in(REASONS[template], lang) if template in REASONS else template
    return words.format(**{name: word(name, value) for name, value in values.items()})


def _in(words: tuple[str, str, str], lang: Language) -> str:
    french, english, german = words
    return {Language.FR: french, Language.EN: english, Language.DE: german}[lang]
