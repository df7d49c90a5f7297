"""The one translation table: every text a user reads, in Dutch (default) and English.

Messages are templates with named fields (`{column}`, `{value}`, ...). `text(key, lang, **fields)`
fills them in. A test checks that every key has both languages and the same fields in each.
"""

from __future__ import annotations

import string

DEFAULT_LANGUAGE = "nl"
LANGUAGES = ("nl", "en")

TEXTS: dict[str, dict[str, str]] = {
    # ---- file level -------------------------------------------------------------------------
    "file_empty": {
        "nl": "Het bestand is leeg. Vul de sjabloonkolommen in en lever opnieuw aan.",
        "en": "The file is empty. Fill in the template columns and deliver again.",
    },
    "file_header_only": {
        "nl": "Het bestand bevat alleen een kopregel en geen gegevens. Voeg de rijen toe.",
        "en": "The file has a header line but no data rows. Add the rows.",
    },
    "file_binary": {
        "nl": "Dit is geen leesbaar CSV- of Excel-bestand. Sla het op als CSV (puntkomma "
        "gescheiden) of als Excel-werkmap (.xlsx) en lever opnieuw aan.",
        "en": "This is not a readable CSV or Excel file. Save it as CSV (semicolon separated) "
        "or as an Excel workbook (.xlsx) and deliver again.",
    },
    "file_nul_bytes": {
        "nl": "Het bestand bevat NUL-tekens (bytes met waarde 0) en is daardoor geen geldig "
        "tekstbestand. Exporteer het opnieuw als CSV of .xlsx.",
        "en": "The file contains NUL characters (zero bytes) and is not a valid text file. "
        "Export it again as CSV or .xlsx.",
    },
    "file_xlsx_is_text": {
        "nl": "Het bestand heet .xlsx maar is een tekstbestand (CSV). Geef het de extensie .csv "
        "of sla het in Excel op als Excel-werkmap (.xlsx).",
        "en": "The file is named .xlsx but is a text (CSV) file. Rename it to .csv or save it "
        "in Excel as an Excel workbook (.xlsx).",
    },
    "file_xls_old": {
        "nl": "Dit is een oud Excel-bestand (.xls). Sla het op als Excel-werkmap (.xlsx).",
        "en": "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx).",
    },
    "file_xlsx_broken": {
        "nl": "Het Excel-bestand is beschadigd en kan niet worden geopend. Sla het opnieuw op "
        "als Excel-werkmap (.xlsx).",
        "en": "The Excel file is damaged and cannot be opened. Save it again as an Excel "
        "workbook (.xlsx).",
    },
    "file_encoding": {
        "nl": "De tekens in het bestand zijn niet te lezen als UTF-8 of Windows-1252. Sla het "
        "op als 'CSV UTF-8'.",
        "en": "The characters in the file cannot be read as UTF-8 or Windows-1252. Save it as "
        "'CSV UTF-8'.",
    },
    "file_too_many_rows": {
        "nl": "Het bestand heeft {count} rijen; per tabel worden er hoogstens {limit} gelezen. "
        "Controleer of er geen lege of overbodige rijen meegekomen zijn (verwijder ze in "
        "Excel) en lever opnieuw aan.",
        "en": "The file has {count} rows; at most {limit} are read per table. Check that no "
        "empty or superfluous rows came along (delete them in Excel) and deliver again.",
    },
    "file_too_many_columns": {
        "nl": "Het bestand heeft {count} kolommen; hoogstens {limit} worden gelezen en de "
        "tabel heeft er veel minder. Gebruik het sjabloon en lever opnieuw aan.",
        "en": "The file has {count} columns; at most {limit} are read and the table has far "
        "fewer. Use the template and deliver again.",
    },
    "file_too_many_sheets": {
        "nl": "De werkmap heeft {count} tabbladen; hoogstens {limit} worden gelezen. Lever "
        "alleen de tabbladen population, offer en results (of populatie, aanbod, resultaten) "
        "aan.",
        "en": "The workbook has {count} sheets; at most {limit} are read. Deliver only the "
        "sheets population, offer and results.",
    },
    "file_unpacked_too_large": {
        "nl": "De werkmap is uitgepakt groter dan {limit_mb} MB en wordt niet geopend. Sla "
        "alleen de tabbladen met de aanlevering op in een nieuwe werkmap, of lever CSV-"
        "bestanden aan.",
        "en": "The workbook unpacks to more than {limit_mb} MB and is not opened. Save only "
        "the delivery sheets in a new workbook, or deliver CSV files.",
    },
    "sheet_hidden": {
        "nl": "Het tabblad {value} is verborgen, dus u ziet niet wat u aanlevert; het is niet "
        "gelezen. Maak het zichtbaar (rechtermuisknop op een tabblad, Zichtbaar maken) of "
        "verwijder het, en lever opnieuw aan.",
        "en": "Sheet {value} is hidden, so you cannot see what you deliver; it was not read. "
        "Unhide it (right-click a sheet tab, Unhide) or delete it, and deliver again.",
    },
    "file_too_large": {
        "nl": "Het bestand is groter dan {limit_mb} MB. Lever per tabel aan of neem contact op "
        "met de regio.",
        "en": "The file is larger than {limit_mb} MB. Deliver one table per file or contact "
        "the region.",
    },
    "file_type_not_allowed": {
        "nl": "Alleen CSV- en Excel-bestanden (.csv, .xlsx) worden geaccepteerd.",
        "en": "Only CSV and Excel files (.csv, .xlsx) are accepted.",
    },
    "file_unknown_table": {
        "nl": "Niet herkend welke tabel dit is (populatie, aanbod of resultaten). Gebruik de "
        "kopregel uit het sjabloon.",
        "en": "Cannot tell which table this is (population, offer or results). Use the header "
        "line from the template.",
    },
    "file_duplicate_table": {
        "nl": "De tabel {table} zit twee keer in deze aanlevering (ook in {other_file}). Lever "
        "elke tabel één keer aan.",
        "en": "Table {table} occurs twice in this delivery (also in {other_file}). Deliver "
        "each table once.",
    },
    "file_no_tables": {
        "nl": "Er is geen bestand aangeleverd.",
        "en": "No file was delivered.",
    },
    "sheet_missing": {
        "nl": "Het Excel-bestand heeft geen tabblad {sheet} (of {dutch_name}); de tabel {table} "
        "is dus niet aangeleverd.",
        "en": "The Excel file has no sheet {sheet} (or {dutch_name}); table {table} was "
        "therefore not delivered.",
    },
    "sheet_none_recognised": {
        "nl": "Geen enkel tabblad heeft een bekende naam (gevonden: {sheets}). Gebruik de "
        "tabbladen population, offer en results (of populatie, aanbod, resultaten).",
        "en": "No sheet has a known name (found: {sheets}). Use the sheets population, "
        "offer and results (or populatie, aanbod, resultaten).",
    },
    "csv_broken_quotes": {
        "nl": 'Een aanhalingsteken (") wordt niet afgesloten; vanaf deze rij is het bestand niet '
        "te lezen. Verwijder het losse aanhalingsteken.",
        "en": 'A quote character (") is not closed; from this row on the file cannot be '
        "read. Remove the stray quote.",
    },
    "row_ragged": {
        "nl": "Deze rij heeft {found} velden, de kopregel {expected}. Controleer of er een "
        "scheidingsteken ({separator}) in een waarde staat of dat er een veld ontbreekt.",
        "en": "This row has {found} fields, the header {expected}. Check for a separator "
        "({separator}) inside a value or a missing field.",
    },
    # ---- header -----------------------------------------------------------------------------
    "header_missing_column": {
        "nl": "De kolom {column} ontbreekt. Neem de kopregel uit het sjabloon over.",
        "en": "Column {column} is missing. Copy the header line from the template.",
    },
    "header_unknown_column": {
        "nl": "Onbekende kolom {column}. Verwijder deze kolom of gebruik de naam uit het sjabloon.",
        "en": "Unknown column {column}. Remove it or use the name from the template.",
    },
    "header_unnamed_column": {
        "nl": "Kolom {letter} heeft geen naam in de kopregel maar bevat wel waarden. Geef de "
        "kolom de naam uit het sjabloon of maak de kolom leeg.",
        "en": "Column {letter} has no name in the header but holds values. Give it the name "
        "from the template or empty the column.",
    },
    "header_duplicate_column": {
        "nl": "De kolom {column} staat meer dan één keer in de kopregel.",
        "en": "Column {column} appears more than once in the header.",
    },
    # ---- cells ------------------------------------------------------------------------------
    "cell_missing": {
        "nl": "Lege cel: vul een waarde in (0 als er niets te melden is).",
        "en": "Empty cell: fill in a value (0 when there is nothing to report).",
    },
    "cell_not_whole_number": {
        "nl": "Geen geheel getal. Vul een aantal in zonder tekst of tekens, bijvoorbeeld 12.",
        "en": "Not a whole number. Enter a count without text or symbols, for example 12.",
    },
    "cell_decimal_in_count": {
        "nl": "Een aantal moet een geheel getal zijn; decimalen zijn niet toegestaan.",
        "en": "A count must be a whole number; decimals are not allowed.",
    },
    "cell_not_decimal": {
        "nl": "Geen getal. Vul een getal in, bijvoorbeeld 12,5.",
        "en": "Not a number. Enter a number, for example 12.5.",
    },
    "cell_formula": {
        "nl": "De cel bevat een formule of begint met {first}. Vul de waarde zelf in.",
        "en": "The cell holds a formula or starts with {first}. Enter the value itself.",
    },
    "cell_bad_agb": {
        "nl": "Ongeldige AGB-code: een AGB-code bestaat uit 8 cijfers.",
        "en": "Invalid AGB code: an AGB code has 8 digits.",
    },
    "cell_bad_quarter": {
        "nl": "Onbekend kwartaal. Schrijf het als 2025Q2 (ook goed: 2025-Q2, Q2 2025).",
        "en": "Unknown quarter. Write it as 2025Q2 (also accepted: 2025-Q2, Q2 2025).",
    },
    "warn_agb_padded": {
        "nl": "AGB-code {value} had 7 cijfers (de voorloopnul is door het rekenblad weggehaald) "
        "en is gelezen als {padded}. Zet de kolom in Excel op 'Tekst' om dit te voorkomen.",
        "en": "AGB code {value} had 7 digits (the spreadsheet dropped the leading zero) and was "
        "read as {padded}. Format the column as 'Text' in Excel to avoid this.",
    },
    # ---- values -----------------------------------------------------------------------------
    "value_negative": {
        "nl": "Negatieve waarde. Aantallen en fte zijn 0 of meer.",
        "en": "Negative value. Counts and FTE are 0 or more.",
    },
    "value_unknown_care_form": {
        "nl": "Onbekende zorgvorm. Toegestaan: {allowed}.",
        "en": "Unknown care form. Allowed: {allowed}.",
    },
    "value_unknown_age_group": {
        "nl": "Onbekende leeftijdsgroep. Toegestaan: {allowed} (met liggend streepje, zodat "
        "Excel er geen datum van maakt).",
        "en": "Unknown age group. Allowed: {allowed} (with underscores, so Excel does not turn "
        "them into dates).",
    },
    "value_unknown_municipality": {
        "nl": "Onbekende gemeentecode. Gebruik de CBS-code van een gemeente in de regio, "
        "bijvoorbeeld GM0599 (Rotterdam).",
        "en": "Unknown municipality code. Use the CBS code of a municipality in the region, "
        "for example GM0599 (Rotterdam).",
    },
    "value_municipality_merged": {
        "nl": "{value} ({name}) bestaat sinds {since} niet meer; gebruik {successor} "
        "({successor_name}).",
        "en": "{value} ({name}) no longer exists since {since}; use {successor} "
        "({successor_name}).",
    },
    "value_municipality_not_yet": {
        "nl": "{value} ({name}) bestaat pas vanaf {since}; gebruik voor dit kwartaal de "
        "toen geldende gemeentecode.",
        "en": "{value} ({name}) only exists from {since}; use the code valid in this quarter.",
    },
    "row_other_provider": {
        "nl": "Deze rij hoort bij aanbieder {value}, maar de aanlevering is voor {expected}. "
        "Lever alleen eigen gegevens aan.",
        "en": "This row belongs to provider {value}, but the delivery is for {expected}. "
        "Deliver only your own data.",
    },
    "row_other_quarter": {
        "nl": "Deze rij hoort bij kwartaal {value}, maar de aanlevering is voor {expected}. "
        "Lever per kwartaal aan.",
        "en": "This row belongs to quarter {value}, but the delivery is for {expected}. "
        "Deliver one quarter at a time.",
    },
    "row_duplicate_key": {
        "nl": "Dubbele rij: de combinatie {key} komt vaker voor (ook rij {other_rows}). Tel de "
        "rijen op tot één rij.",
        "en": "Duplicate row: the combination {key} occurs more than once (also row "
        "{other_rows}). Add the rows up into one.",
    },
    "provider_unknown": {
        "nl": "Aanbieder {value} staat niet in het aanbiedersregister. Neem contact op met de "
        "regio om de AGB-code te laten registreren.",
        "en": "Provider {value} is not in the provider register. Contact the region to have the "
        "AGB code registered.",
    },
    "cross_population_missing": {
        "nl": "Zorgvorm {value} staat in {table} maar niet in de populatie van dit kwartaal. "
        "Lever eerst (of tegelijk) de populatie aan.",
        "en": "Care form {value} occurs in {table} but not in this quarter's population. "
        "Deliver the population first (or together).",
    },
    # ---- row rules (also their help text) ---------------------------------------------------
    "rule_clients_balance": {
        "nl": "clients_end moet gelijk zijn aan clients_start + inflow − outflow "
        "({clients_start} + {inflow} − {outflow} = {expected_end}).",
        "en": "clients_end must equal clients_start + inflow − outflow "
        "({clients_start} + {inflow} − {outflow} = {expected_end}).",
    },
    "rule_outflow_available": {
        "nl": "outflow kan niet groter zijn dan clients_start + inflow.",
        "en": "outflow cannot exceed clients_start + inflow.",
    },
    "rule_goals_le_ended": {
        "nl": "goals_achieved kan niet groter zijn dan trajectories_ended.",
        "en": "goals_achieved cannot exceed trajectories_ended.",
    },
    "rule_planned_le_ended": {
        "nl": "ended_as_planned kan niet groter zijn dan trajectories_ended.",
        "en": "ended_as_planned cannot exceed trajectories_ended.",
    },
    "rule_dropouts_le_ended": {
        "nl": "dropouts kan niet groter zijn dan trajectories_ended.",
        "en": "dropouts cannot exceed trajectories_ended.",
    },
    "rule_positive_le_respondents": {
        "nl": "satisfaction_positive kan niet groter zijn dan satisfaction_respondents.",
        "en": "satisfaction_positive cannot exceed satisfaction_respondents.",
    },
    "rule_intake_over_norm_le_n": {
        "nl": "intake_wait_over_norm kan niet groter zijn dan intake_wait_n.",
        "en": "intake_wait_over_norm cannot exceed intake_wait_n.",
    },
    "rule_treatment_over_norm_le_n": {
        "nl": "treatment_wait_over_norm kan niet groter zijn dan treatment_wait_n.",
        "en": "treatment_wait_over_norm cannot exceed treatment_wait_n.",
    },
    "rule_wait_days_need_n": {
        "nl": "Er zijn wachtdagen opgegeven zonder aantal wachtenden ({column_n} is 0).",
        "en": "Waiting days are given without a number of clients ({column_n} is 0).",
    },
    "rule_stay_only_residential": {
        "nl": "stay_n en stay_days_sum zijn alleen voor verblijf, pleegzorg en gezinshuizen; "
        "vul bij {care_form} 0 in.",
        "en": "stay_n and stay_days_sum only apply to residential, foster and family-home "
        "care; enter 0 for {care_form}.",
    },
    "rule_places_ambulant_zero": {
        "nl": "Een ambulante zorgvorm ({care_form}) heeft geen plaatsen of bedden: vul bij "
        "places 0 in.",
        "en": "An ambulant-type care form ({care_form}) has no places or beds: enter 0 for places.",
    },
    # ---- plausibility warnings --------------------------------------------------------------
    "warn_clients_change": {
        "nl": "Het aantal cliënten in {care_form} is {change} ten opzichte van {previous} "
        "({before} → {after}). Klopt dit?",
        "en": "The number of clients in {care_form} changed {change} against {previous} "
        "({before} → {after}). Is this right?",
    },
    "warn_places_without_clients": {
        "nl": "Het aantal plaatsen voor {care_form} is gewijzigd ({before} → {after}) terwijl "
        "het aantal cliënten gelijk bleef.",
        "en": "The number of places for {care_form} changed ({before} → {after}) while the "
        "number of clients stayed the same.",
    },
    "warn_continuity": {
        "nl": "clients_start ({after}) is niet gelijk aan clients_end van {previous} ({before}) "
        "voor {key}.",
        "en": "clients_start ({after}) differs from clients_end of {previous} ({before}) for "
        "{key}.",
    },
    "warn_zero_results": {
        "nl": "Er zijn geen beëindigde trajecten gemeld terwijl er {outflow} cliënten "
        "uitstroomden.",
        "en": "No ended trajectories were reported while {outflow} clients flowed out.",
    },
    "warn_stay_days_implausible": {
        "nl": "Gemiddeld {per_stay} verblijfsdagen per verblijf in {care_form}: één verblijf "
        "duurt nooit langer dan {limit} dagen. Controleer stay_days_sum en stay_n.",
        "en": "On average {per_stay} stay days per stay in {care_form}: one stay never lasts "
        "longer than {limit} days. Check stay_days_sum and stay_n.",
    },
    "warn_fte_per_client_implausible": {
        "nl": "{fte} fte voor {clients} cliënt(en) in {care_form}: meer dan {limit} fte per "
        "cliënt is niet aannemelijk. Controleer fte_care (fte, bijvoorbeeld 12,5).",
        "en": "{fte} FTE for {clients} client(s) in {care_form}: more than {limit} FTE per "
        "client is not plausible. Check fte_care (FTE, e.g. 12.5).",
    },
    "warn_clients_per_place_implausible": {
        "nl": "{clients} cliënten op {places} plaats(en) in {care_form}: meer dan {limit} "
        "cliënten per plaats past niet in één kwartaal. Controleer places en de populatie.",
        "en": "{clients} clients on {places} place(s) in {care_form}: more than {limit} clients "
        "per place do not fit in one quarter. Check places and the population.",
    },
    "warn_extra_sheet": {
        "nl": "Het tabblad {value} is niet gelezen (onbekende naam).",
        "en": "Sheet {value} was not read (unknown name).",
    },
    # ---- command line -----------------------------------------------------------------------
    "cli_accepted": {
        "nl": "Aanlevering geaccepteerd: {delivery_id}",
        "en": "Delivery accepted: {delivery_id}",
    },
    "cli_rejected": {
        "nl": "Aanlevering afgewezen: {count} fout(en); er is niets opgeslagen.",
        "en": "Delivery rejected: {count} error(s); nothing was stored.",
    },
    "report_more_of_kind": {
        "nl": "… en nog {count} van deze soort, zoals: {example} De volledige lijst staat in "
        "het foutenbestand.",
        "en": "… and {count} more of this kind, such as: {example} The complete list is in the "
        "error file.",
    },
    "cli_error_file_written": {
        "nl": "De volledige lijst ({count} regels) staat in {path}.",
        "en": "The complete list ({count} lines) is in {path}.",
    },
    "upload_findings_bounded": {
        "nl": "Hier staan de eerste {shown} van {count}; de volledige lijst staat in de "
        "foutenlijst en de bestanden met foutkolom hieronder.",
        "en": "Shown here are the first {shown} of {count}; the complete list is in the error "
        "list and the files with an error column below.",
    },
    "storage_disk_full": {
        "nl": "De schijf van de database ({path}) is vol. Er is niets opgeslagen en er is niets "
        "verloren gegaan. Laat de beheerder ruimte vrijmaken en lever daarna opnieuw aan.",
        "en": "The database's disk ({path}) is full. Nothing was stored and nothing was lost. "
        "Have the administrator free space, then deliver again.",
    },
    "storage_read_only": {
        "nl": "De map van de database ({path}) is alleen-lezen. Er is niets opgeslagen en er is "
        "niets verloren gegaan. Laat de beheerder schrijfrechten geven en lever daarna opnieuw "
        "aan.",
        "en": "The database's folder ({path}) is read-only. Nothing was stored and nothing was "
        "lost. Have the administrator grant write access, then deliver again.",
    },
    "cli_database_busy": {
        "nl": "De database is bezet door een ander proces; probeer het later opnieuw.",
        "en": "The database is busy in another process; try again later.",
    },
    # ---- ingest pipeline: more bad input, command lines, register (pipeline helper) ---------
    "file_utf16": {
        "nl": "Het bestand is opgeslagen als 'Unicode-tekst' (UTF-16). Sla het in Excel op als "
        "'CSV UTF-8 (door komma's gescheiden)' of 'CSV (puntkommagescheiden)'.",
        "en": "The file was saved as 'Unicode text' (UTF-16). Save it in Excel as 'CSV UTF-8 "
        "(comma delimited)' or 'CSV (semicolon delimited)'.",
    },
    "file_tab_separated": {
        "nl": "De kolommen zijn gescheiden door tabs. Sla het bestand op als CSV met puntkomma's "
        "(;) of komma's (,) als scheidingsteken.",
        "en": "The columns are separated by tabs. Save the file as CSV with semicolons (;) or "
        "commas (,) as separator.",
    },
    "file_ods": {
        "nl": "Dit is een OpenDocument-rekenblad (.ods). Sla het op als Excel-werkmap (.xlsx) "
        "of als CSV.",
        "en": "This is an OpenDocument spreadsheet (.ods). Save it as an Excel workbook (.xlsx) "
        "or as CSV.",
    },
    "file_zip_not_xlsx": {
        "nl": "Dit is een zip-archief en geen Excel-werkmap. Pak het uit en lever de CSV- of "
        ".xlsx-bestanden zelf aan.",
        "en": "This is a zip archive, not an Excel workbook. Unpack it and deliver the CSV or "
        ".xlsx files themselves.",
    },
    "file_internal_error": {
        "nl": "Dit bestand kon door een fout in de software niet worden gecontroleerd "
        "({detail}); er is niets opgeslagen. Neem contact op met de regio.",
        "en": "This file could not be checked because of a software fault ({detail}); nothing "
        "was stored. Contact the region.",
    },
    "value_invalid": {
        "nl": "Ongeldige waarde (controle {check}). Vul de waarde in zoals in het sjabloon.",
        "en": "Invalid value (check {check}). Enter the value as in the template.",
    },
    "cli_bad_identity": {
        "nl": "ongeldige waarde voor {detail} (AGB-code: 8 cijfers; kwartaal: bijvoorbeeld 2025Q2)",
        "en": "invalid value for {detail} (AGB code: 8 digits; quarter: for example 2025Q2)",
    },
    "cli_no_such_file": {
        "nl": "bestand of map bestaat niet: {path}",
        "en": "file or folder does not exist: {path}",
    },
    "cli_unreadable_file": {
        "nl": "bestand niet leesbaar: {path} ({detail})",
        "en": "file cannot be read: {path} ({detail})",
    },
    "cli_database_unusable": {
        "nl": "de database {path} kan niet worden geopend (geen DuckDB-bestand of geen "
        "schrijfrechten)",
        "en": "the database {path} cannot be opened (not a DuckDB file or not writable)",
    },
    "cli_table_stored": {
        "nl": "{table}: versie {version}, {rows} rijen, sha256 {sha256}…",
        "en": "{table}: version {version}, {rows} rows, sha256 {sha256}…",
    },
    "register_file_unreadable": {
        "nl": "Het bestand is leeg of niet te lezen als tekst (CSV in UTF-8 of Windows-1252).",
        "en": "The file is empty or cannot be read as text (CSV in UTF-8 or Windows-1252).",
    },
    "register_broken_quotes": {
        "nl": 'Een aanhalingsteken (") wordt niet afgesloten; het bestand is niet te lezen.',
        "en": 'A quote character (") is not closed; the file cannot be read.',
    },
    "register_missing_column": {
        "nl": "Rij {row}: de kolom {column} ontbreekt.",
        "en": "Row {row}: column {column} is missing.",
    },
    "register_unknown_column": {
        "nl": "Rij {row}: onbekende kolom {column}.",
        "en": "Row {row}: unknown column {column}.",
    },
    "register_duplicate_column": {
        "nl": "Rij {row}: de kolom {column} staat meer dan één keer in de kopregel.",
        "en": "Row {row}: column {column} appears more than once in the header.",
    },
    "register_ragged": {
        "nl": "Rij {row}: {found} velden, de kopregel heeft er {expected}.",
        "en": "Row {row}: {found} fields, the header has {expected}.",
    },
    "register_bad_agb": {
        "nl": "Rij {row}: provider_agb '{value}' is geen AGB-code van 8 cijfers.",
        "en": "Row {row}: provider_agb '{value}' is not an 8-digit AGB code.",
    },
    "register_agb_seven_digits": {
        "nl": "Rij {row}: provider_agb '{value}' heeft 7 cijfers; bedoelt u {padded}? Zet de "
        "kolom in Excel op 'Tekst' zodat de voorloopnul blijft staan.",
        "en": "Row {row}: provider_agb '{value}' has 7 digits; did you mean {padded}? Format "
        "the column as 'Text' in Excel so the leading zero is kept.",
    },
    "register_duplicate_agb": {
        "nl": "Rij {row}: provider_agb {value} staat ook op rij {other_row}.",
        "en": "Row {row}: provider_agb {value} also occurs on row {other_row}.",
    },
    "register_name_empty": {
        "nl": "Rij {row}: de naam (name) is leeg.",
        "en": "Row {row}: the name is empty.",
    },
    "register_bad_category": {
        "nl": "Rij {row}: category '{value}' moet A, B of C zijn.",
        "en": "Row {row}: category '{value}' must be A, B or C.",
    },
    "register_bad_date": {
        "nl": "Rij {row}: {column} '{value}' is geen datum (schrijf 2023-01-01 of 1-1-2023).",
        "en": "Row {row}: {column} '{value}' is not a date (write 2023-01-01 or 1-1-2023).",
    },
    "register_end_before_start": {
        "nl": "Rij {row}: contract_end ligt vóór contract_start.",
        "en": "Row {row}: contract_end is before contract_start.",
    },
    "register_no_entries": {
        "nl": "Het bestand bevat geen aanbieders.",
        "en": "The file contains no providers.",
    },
    # ---- bulk ingest and sample data (bulk/sample helper) -----------------------------------
    "bulk_group_accepted": {
        "nl": "{provider} {quarter}: geaccepteerd ({tables}; {rows} rijen)",
        "en": "{provider} {quarter}: accepted ({tables}; {rows} rows)",
    },
    "bulk_group_rejected": {
        "nl": "{provider} {quarter}: afgewezen, {count} fout(en); niets opgeslagen",
        "en": "{provider} {quarter}: rejected, {count} error(s); nothing stored",
    },
    "bulk_unattributed": {
        "nl": "(geen aanbieder/kwartaal)",
        "en": "(no provider/quarter)",
    },
    "bulk_more_errors": {
        "nl": "  … en nog {count} fout(en) (zie --report-json)",
        "en": "  … and {count} more error(s) (see --report-json)",
    },
    "bulk_summary": {
        "nl": "{groups} aanbieder-kwartalen: {accepted} geaccepteerd, {rejected} afgewezen; "
        "{rows} rijen opgeslagen in {seconds} s.",
        "en": "{groups} provider-quarters: {accepted} accepted, {rejected} rejected; "
        "{rows} rows stored in {seconds} s.",
    },
    "sample_summary": {
        "nl": "Voorbeelddata ({scale}): {providers} aanbieders, {deliveries} aanleveringen, "
        "{rows} rijen; bestanden in {out}.",
        "en": "Sample data ({scale}): {providers} providers, {deliveries} deliveries, "
        "{rows} rows; files in {out}.",
    },
    "sample_demo_accounts": {
        "nl": "Demo-accounts (wachtwoorden alleen nu zichtbaar):",
        "en": "Demo accounts (passwords shown only now):",
    },
    # ---- KPIs, norms, target, delivery status, escalation (KPI helper) ----------------------
    "target_method": {
        "nl": "Methode: kleinste-kwadratenlijn door de index van de laatste {n} kwartalen "
        "({first}–{last}), doorgetrokken.",
        "en": "Method: least-squares straight line through the index of the last {n} quarters "
        "({first}–{last}), extended.",
    },
    "target_statement_projection": {
        "nl": "{status}: de trend komt in {quarter} uit op {projected}{band} tegen een doel van "
        "{target} ({share}% van de benodigde verandering).",
        "en": "{status}: the trend reaches {projected}{band} in {quarter} against a target of "
        "{target} ({share}% of the required change).",
    },
    "target_band": {
        "nl": " (95%-onzekerheidsband {low}–{high})",
        "en": " (95% uncertainty band {low}–{high})",
    },
    "target_statement_after": {
        "nl": "Doel {target} in {quarter} {status}: de index was {value} ({percent} ten "
        "opzichte van de nulmeting). Sindsdien veranderd met {change} tot {latest} in "
        "{latest_quarter}.",
        "en": "Target {target} in {quarter} {status}: the index was {value} ({percent} against "
        "the baseline). Since then changed by {change} to {latest} in {latest_quarter}.",
    },
    "target_statement_after_near_miss": {
        "nl": "Doel {target} in {quarter} {status}: {value} tegen {target}, ≈ {clients} "
        "{short_or_over} ({percent} ten opzichte van de nulmeting). Sindsdien veranderd met "
        "{change} tot {latest} in {latest_quarter}.",
        "en": "Target {target} in {quarter} {status}: {value} against {target}, ≈ {clients} "
        "{short_or_over} ({percent} against the baseline). Since then changed by {change} to "
        "{latest} in {latest_quarter}.",
    },
    "target_clients_short": {"nl": "cliënten te weinig", "en": "clients short"},
    "target_clients_over": {"nl": "cliënten te veel", "en": "clients too many"},
    "target_client_short": {"nl": "cliënt te weinig", "en": "client short"},
    "target_client_over": {"nl": "cliënt te veel", "en": "client too many"},
    "target_statement_follow_up": {
        "nl": "Vervolgdoel {target} in {quarter}: {status}; de trend komt daar uit op "
        "{projected}{band}, {share}% van de benodigde verandering.",
        "en": "Follow-up target {target} in {quarter}: {status}; the trend reaches "
        "{projected}{band} there, {share}% of the required change.",
    },
    "target_no_follow_up": {
        "nl": "Er is nog geen vervolgdoel vastgesteld; het doelpad houdt {target} vast "
        "(instelling [target.follow_up]).",
        "en": "No follow-up target has been set yet; the target path holds {target} "
        "(setting [target.follow_up]).",
    },
    "target_status_on_track": {"nl": "Op koers", "en": "On track"},
    "target_status_at_risk": {"nl": "Risico", "en": "At risk"},
    "target_status_off_track": {"nl": "Niet op koers", "en": "Off track"},
    "target_status_met": {"nl": "gehaald", "en": "met"},
    "target_status_near_miss": {"nl": "nagenoeg gehaald", "en": "narrowly missed"},
    "target_status_not_met": {"nl": "niet gehaald", "en": "not met"},
    "target_status_no_data": {"nl": "Geen gegevens", "en": "No data"},
    "target_no_data": {
        "nl": "Geen gegevens: er is geen nulmeting of geen populatie voor deze index.",
        "en": "No data: there is no baseline or no population for this index.",
    },
    "target_no_data_at_target": {
        "nl": "Geen gegevens voor het doelkwartaal {quarter}.",
        "en": "No data for the target quarter {quarter}.",
    },
    "target_too_few_points": {
        "nl": "Te weinig kwartalen voor een trend (minimaal 2 nodig).",
        "en": "Too few quarters for a trend (at least 2 needed).",
    },
    "review_rhythm_quarterly": {
        "nl": "Kwartaalgesprek (categorie A: elk kwartaal).",
        "en": "Quarterly review (category A: every quarter).",
    },
    "review_rhythm_periodic": {
        "nl": "Periodiek gesprek (elke {months} maanden).",
        "en": "Periodic review (every {months} months).",
    },
    "review_agreed": {"nl": "Afgesproken reviewdatum {date}.", "en": "Agreed review date {date}."},
    "review_signal": {"nl": "Signaal: {signals}", "en": "Signal: {signals}"},
    "rule_agreement_missed": {
        "nl": "Afspraak ‘{title}’: {statement}",
        "en": "Agreement ‘{title}’: {statement}",
    },
    # ---- table names ------------------------------------------------------------------------
    "table_population": {"nl": "populatie", "en": "population"},
    "table_offer": {"nl": "aanbod", "en": "offer"},
    "table_results": {"nl": "resultaten", "en": "results"},
    "severity_error": {"nl": "fout", "en": "error"},
    "severity_warning": {"nl": "waarschuwing", "en": "warning"},
    "col_file": {"nl": "bestand", "en": "file"},
    "col_table": {"nl": "tabel", "en": "table"},
    "col_row": {"nl": "rij", "en": "row"},
    "col_column": {"nl": "kolom", "en": "column"},
    "col_value": {"nl": "waarde", "en": "value"},
    "col_message": {"nl": "melding", "en": "message"},
    "col_errors": {"nl": "fouten", "en": "errors"},
    # ---- table cells in words (display layer, issue 12) -------------------------------------
    "word_yes": {"nl": "ja", "en": "yes"},
    "word_no": {"nl": "nee", "en": "no"},
    "audit_event_delivery_accepted": {"nl": "Aanlevering geaccepteerd", "en": "Delivery accepted"},
    "audit_event_delivery_rejected": {"nl": "Aanlevering afgewezen", "en": "Delivery rejected"},
    "audit_event_escalation_decision": {"nl": "Escalatiebesluit", "en": "Escalation decision"},
    "audit_event_norm_changed": {"nl": "Norm gewijzigd", "en": "Norm changed"},
    "audit_event_register_changed": {"nl": "Register gewijzigd", "en": "Register changed"},
    "audit_event_user_changed": {"nl": "Gebruiker gewijzigd", "en": "User changed"},
    "audit_event_login_success": {"nl": "Ingelogd", "en": "Logged in"},
    "audit_event_login_failure": {"nl": "Inloggen mislukt", "en": "Login failed"},
    "audit_event_login_refused_locked": {
        "nl": "Inloggen geweigerd (account geblokkeerd)",
        "en": "Login refused (account locked)",
    },
    "audit_event_logout": {"nl": "Uitgelogd", "en": "Logged out"},
    "audit_event_logout_everywhere": {"nl": "Sessies beëindigd", "en": "Sessions ended"},
    "audit_detail_sessions_ended": {
        "nl": "Alle sessies van {username} beëindigd ({reason})",
        "en": "Every session of {username} ended ({reason})",
    },
    "audit_reason_logout": {"nl": "uitgelogd", "en": "logged out"},
    "audit_reason_logout_everywhere": {"nl": "overal uitgelogd", "en": "logged out everywhere"},
    "audit_reason_timeout": {"nl": "sessie verlopen", "en": "session timed out"},
    "audit_reason_account_changed": {"nl": "account gewijzigd", "en": "account changed"},
    "audit_event_export": {"nl": "Export gedownload", "en": "Export downloaded"},
    "audit_event_agreement_recorded": {
        "nl": "Prestatieafspraak vastgelegd",
        "en": "Performance agreement recorded",
    },
    "audit_event_explanation_posted": {"nl": "Toelichting geschreven", "en": "Explanation written"},
    "audit_event_reply_posted": {"nl": "Reactie op toelichting", "en": "Reply to explanation"},
    "audit_detail_agreement": {
        "nl": "Afspraak ‘{title}’, versie {version} ({state})",
        "en": "Agreement ‘{title}’, version {version} ({state})",
    },
    "audit_detail_explanation": {"nl": "Onderwerp: {subject}", "en": "Subject: {subject}"},
    "audit_detail_register": {
        "nl": "{count} aanbieders in het register bijgewerkt",
        "en": "{count} providers updated in the register",
    },
    "audit_detail_table": {
        "nl": "{table} versie {version} ({rows} rijen)",
        "en": "{table} version {version} ({rows} rows)",
    },
    "audit_detail_delivery": {
        "nl": "Ontvangstbewijs {delivery_id}: {tables}",
        "en": "Receipt {delivery_id}: {tables}",
    },
    "audit_detail_rejected": {
        "nl": "{files}: {errors} fouten, niets opgeslagen",
        "en": "{files}: {errors} errors, nothing stored",
    },
    "audit_detail_decision": {
        "nl": "Van stap {from_step} naar stap {to_step}: {reason}",
        "en": "From step {from_step} to step {to_step}: {reason}",
    },
    "audit_detail_norm": {
        "nl": "{kpi}, geldig vanaf {valid_from}: {reason}",
        "en": "{kpi}, valid from {valid_from}: {reason}",
    },
    "audit_detail_export": {"nl": "Bestand {what}", "en": "File {what}"},
    "audit_detail_user": {"nl": "Account {username}", "en": "Account {username}"},
    "source_app": {"nl": "app", "en": "app"},
    "source_cli": {"nl": "opdrachtregel", "en": "command line"},
    "source_bulk": {"nl": "bulkinlees", "en": "bulk load"},
    "source_sample": {"nl": "voorbeelddata", "en": "sample data"},
    "direction_higher": {"nl": "hoger", "en": "higher"},
    "direction_lower": {"nl": "lager", "en": "lower"},
    "delta_direction_better": {"nl": "beter", "en": "better"},
    "delta_direction_worse": {"nl": "slechter", "en": "worse"},
    "delta_direction_same": {"nl": "gelijk", "en": "same"},
    "spc_signal_outside": {"nl": "buiten de grenzen", "en": "outside the limits"},
    "spc_signal_run": {"nl": "reeks aan één kant", "en": "run on one side"},
    "norm_source_default": {"nl": "standaard", "en": "default"},
    "norm_source_changed": {
        "nl": "gewijzigd op {date} door {who}",
        "en": "changed on {date} by {who}",
    },
    "unit_name_share": {"nl": "percentage", "en": "percentage"},
    "unit_name_days": {"nl": "dagen", "en": "days"},
    "unit_name_ratio": {"nl": "verhouding", "en": "ratio"},
    "unit_name_count": {"nl": "aantal", "en": "count"},
    # ---- app: pages and common UI (lead) ----------------------------------------------------
    "page_overview": {"nl": "Overzicht", "en": "Overview"},
    "page_categories": {"nl": "KPI's per categorie", "en": "KPIs by category"},
    "page_provider": {"nl": "Aanbieder", "en": "Provider"},
    "page_escalation": {"nl": "Escalatieladder", "en": "Escalation ladder"},
    "page_upload": {"nl": "Aanleveren", "en": "Upload"},
    "page_delivery_status": {"nl": "Aanleverstatus", "en": "Delivery status"},
    "page_mirror": {"nl": "Spiegelrapport", "en": "Mirror report"},
    "page_admin": {"nl": "Beheer", "en": "Administration"},
    "page_audit": {"nl": "Auditlog", "en": "Audit log"},
    "upload_no_providers": {
        "nl": "Er zijn geen aanbieders waarvoor je mag aanleveren.",
        "en": "There are no providers you may deliver for.",
    },
    "upload_provider": {"nl": "Aanbieder", "en": "Provider"},
    "upload_quarter": {"nl": "Kwartaal", "en": "Quarter"},
    "upload_templates": {"nl": "Sjablonen downloaden", "en": "Download templates"},
    "upload_templates_help": {
        "nl": "Eén Excel-werkmap met de tabbladen populatie, aanbod en resultaten, of drie "
        "CSV-bestanden. Lever alleen aantallen en sommen aan, geen percentages.",
        "en": "One Excel workbook with the sheets population, offer and results, or three CSV "
        "files. Deliver counts and sums only, no percentages.",
    },
    "upload_deadline": {
        "nl": "Deadline voor {quarter}: {date}.",
        "en": "Deadline for {quarter}: {date}.",
    },
    "upload_deadline_days": {"nl": "Nog {days} dagen.", "en": "{days} days left."},
    "upload_deadline_passed": {
        "nl": "De deadline is verstreken.",
        "en": "The deadline has passed.",
    },
    "upload_delivered": {"nl": "Al aangeleverd: {tables}.", "en": "Already delivered: {tables}."},
    "upload_delivered_table": {
        "nl": "{table} (versie {version}, {date})",
        "en": "{table} (version {version}, {date})",
    },
    "upload_missing": {"nl": "Nog nodig: {tables}.", "en": "Still needed: {tables}."},
    "upload_complete": {
        "nl": "Dit kwartaal is compleet; een nieuwe aanlevering wordt een nieuwe versie.",
        "en": "This quarter is complete; a new delivery becomes a new version.",
    },
    "upload_identical": {
        "nl": "Deze bestanden zijn precies gelijk aan wat al is geaccepteerd ({files}). Opnieuw "
        "aanleveren maakt een nieuwe versie met dezelfde inhoud. Wilt u dat echt?",
        "en": "These files are exactly the same as what was already accepted ({files}). "
        "Delivering again makes a new version with the same content. Do you really want that?",
    },
    "upload_identical_confirm": {
        "nl": "Toch aanleveren als nieuwe versie",
        "en": "Deliver as a new version anyway",
    },
    "upload_identical_cancel": {"nl": "Niet aanleveren", "en": "Do not deliver"},
    "upload_type_rejected": {
        "nl": "Dit bestandstype kan niet worden gelezen: {files}. Sla het op als .xlsx "
        "(Excel-werkmap) of als CSV (puntkomma gescheiden) en lever opnieuw aan.",
        "en": "This file type cannot be read: {files}. Save it as .xlsx (Excel workbook) or as "
        "CSV and deliver again.",
    },
    "upload_receipt_pdf": {"nl": "Ontvangstbewijs als PDF", "en": "Receipt as PDF"},
    "uploader_button": {"nl": "Bestanden kiezen", "en": "Choose files"},
    "uploader_instructions": {
        "nl": "of sleep ze hierheen · CSV of Excel (.xlsx), max. 50 MB per bestand",
        "en": "or drag them here · CSV or Excel (.xlsx), at most 50 MB per file",
    },
    "receipt_title": {"nl": "Ontvangstbewijs aanlevering", "en": "Delivery receipt"},
    "receipt_footer": {"nl": "Ontvangstbewijs {delivery_id}", "en": "Receipt {delivery_id}"},
    "receipt_id": {"nl": "Ontvangstbewijs", "en": "Receipt"},
    "receipt_received_at": {"nl": "Ontvangen op", "en": "Received at"},
    "receipt_received_by": {"nl": "Aangeleverd door", "en": "Delivered by"},
    "receipt_accepted": {"nl": "Resultaat", "en": "Result"},
    "receipt_accepted_text": {
        "nl": "Geaccepteerd en opgeslagen als nieuwe versie",
        "en": "Accepted and stored as a new version",
    },
    "receipt_tables": {"nl": "Tabellen", "en": "Tables"},
    "receipt_hashes": {
        "nl": "Controlegetallen (SHA-256 van de bestanden)",
        "en": "Checksums (SHA-256 of the files)",
    },
    "receipt_warnings": {"nl": "Waarschuwingen ({count})", "en": "Warnings ({count})"},
    "receipt_no_warnings": {"nl": "Geen waarschuwingen.", "en": "No warnings."},
    "page_not_available_title": {"nl": "Pagina niet beschikbaar", "en": "Page not available"},
    "page_not_available": {
        "nl": "Deze pagina hoort niet bij jouw rol. Kies een pagina in het menu.",
        "en": "This page is not part of your role. Choose a page in the menu.",
    },
    "upload_template_xlsx": {
        "nl": "Excel-sjabloon (3 tabbladen)",
        "en": "Excel template (3 sheets)",
    },
    "upload_template_population": {"nl": "Populatie (CSV)", "en": "Population (CSV)"},
    "upload_template_offer": {"nl": "Aanbod (CSV)", "en": "Offer (CSV)"},
    "upload_template_results": {"nl": "Resultaten (CSV)", "en": "Results (CSV)"},
    "upload_files": {"nl": "Bestanden (CSV of XLSX)", "en": "Files (CSV or XLSX)"},
    "upload_files_help": {
        "nl": "Maximaal 50 MB per bestand. Een tabel mag ook los worden (her)aangeleverd.",
        "en": "At most 50 MB per file. A table may also be (re)delivered on its own.",
    },
    "upload_submit": {"nl": "Controleren en aanleveren", "en": "Check and deliver"},
    "upload_progress_read": {"nl": "Bestanden lezen…", "en": "Reading files…"},
    "upload_progress": {"nl": "Bezig: {stage}", "en": "Working: {stage}"},
    "upload_accepted": {
        "nl": "Aanlevering geaccepteerd en opgeslagen (ontvangstbewijs {delivery_id}).",
        "en": "Delivery accepted and stored (receipt {delivery_id}).",
    },
    "upload_receipt_meta": {
        "nl": "Ontvangen op {at} door {who}.",
        "en": "Received on {at} by {who}.",
    },
    "upload_version": {"nl": "versie", "en": "version"},
    "upload_rows": {"nl": "rijen", "en": "rows"},
    "upload_rejected": {
        "nl": "Aanlevering afgewezen: {count} fout(en). Er is niets opgeslagen; herstel de "
        "fouten en lever opnieuw aan.",
        "en": "Delivery rejected: {count} error(s). Nothing was stored; fix the errors and "
        "deliver again.",
    },
    "upload_download_errors": {
        "nl": "Foutenlijst downloaden (CSV)",
        "en": "Download error list (CSV)",
    },
    "upload_download_error_file": {
        "nl": "Bestand {table} met foutkolom downloaden",
        "en": "Download {table} file with error column",
    },
    "upload_warnings": {
        "nl": "{count} waarschuwing(en): controleer of dit klopt (blokkeert niet).",
        "en": "{count} warning(s): check whether this is right (not blocking).",
    },
    "upload_history": {"nl": "Eerdere aanleveringen", "en": "Earlier deliveries"},
    "upload_history_empty": {"nl": "Nog geen aanleveringen.", "en": "No deliveries yet."},
    "admin_tab_register": {"nl": "Aanbiedersregister", "en": "Provider register"},
    "admin_tab_users": {"nl": "Gebruikers en rollen", "en": "Users and roles"},
    "admin_tab_norms": {"nl": "Normen", "en": "Norms"},
    "admin_provider_form": {
        "nl": "Aanbieder toevoegen of wijzigen",
        "en": "Add or change a provider",
    },
    "admin_name": {"nl": "Naam", "en": "Name"},
    "admin_category": {"nl": "Categorie", "en": "Category"},
    "admin_lot": {"nl": "Perceel", "en": "Lot"},
    "admin_contract_start": {"nl": "Contract vanaf", "en": "Contract from"},
    "admin_contract_end": {"nl": "Contract tot en met", "en": "Contract until"},
    "admin_save": {"nl": "Opslaan", "en": "Save"},
    "admin_register_saved": {
        "nl": "Opgeslagen: {count} nieuwe of gewijzigde aanbieder(s).",
        "en": "Saved: {count} new or changed provider(s).",
    },
    "admin_register_upload": {"nl": "Register laden uit CSV", "en": "Load register from CSV"},
    "admin_register_load": {"nl": "Register laden", "en": "Load register"},
    "admin_register_rejected": {
        "nl": "Register afgewezen: {count} fout(en); er is niets opgeslagen.",
        "en": "Register rejected: {count} error(s); nothing was stored.",
    },
    "admin_register_history": {"nl": "Geschiedenis van het register", "en": "Register history"},
    "admin_user_form": {"nl": "Gebruiker toevoegen of wijzigen", "en": "Add or change a user"},
    "admin_role": {"nl": "Rol", "en": "Role"},
    "admin_new_password": {
        "nl": "Nieuw wachtwoord (leeg = ongewijzigd)",
        "en": "New password (empty = unchanged)",
    },
    "admin_user_agbs": {
        "nl": "AGB-codes (alleen voor aanbieders)",
        "en": "AGB codes (providers only)",
    },
    "admin_active": {"nl": "Actief", "en": "Active"},
    "admin_user_saved": {"nl": "Gebruiker {username} opgeslagen.", "en": "User {username} saved."},
    "admin_user_invalid": {"nl": "Niet opgeslagen: {detail}", "en": "Not saved: {detail}"},
    "admin_norms_unavailable": {
        "nl": "Normen zijn nog niet beschikbaar.",
        "en": "Norms are not available yet.",
    },
    "audit_action": {"nl": "Soort gebeurtenis", "en": "Kind of event"},
    "audit_all": {"nl": "Alle", "en": "All"},
    "audit_count": {
        "nl": "{count} gebeurtenissen (nieuwste eerst).",
        "en": "{count} events (newest first).",
    },
    "audit_page_of": {
        "nl": "{count} gebeurtenissen (nieuwste eerst); pagina {page} van {pages}.",
        "en": "{count} events (newest first); page {page} of {pages}.",
    },
    "audit_period": {"nl": "Periode", "en": "Period"},
    "audit_user": {"nl": "Gebruiker", "en": "User"},
    "audit_provider": {"nl": "Aanbieder", "en": "Provider"},
    "audit_none": {
        "nl": "Geen gebeurtenissen met deze filters.",
        "en": "No events with these filters.",
    },
    "status_green": {"nl": "groen", "en": "green"},
    "status_amber": {"nl": "oranje", "en": "amber"},
    "status_red": {"nl": "rood", "en": "red"},
    "status_none": {"nl": "geen norm", "en": "no norm"},
    "filter_all": {"nl": "Alle", "en": "All"},
    "filter_quarter": {"nl": "Kwartaal", "en": "Quarter"},
    "filter_category": {"nl": "Categorie", "en": "Category"},
    "filter_municipality": {"nl": "Gemeente", "en": "Municipality"},
    "filter_care_form": {"nl": "Zorgvorm", "en": "Care form"},
    "filter_lot": {"nl": "Perceel", "en": "Lot"},
    "filter_provider": {"nl": "Aanbieder", "en": "Provider"},
    "filters_active": {"nl": "Filters: {filters}", "en": "Filters: {filters}"},
    "filters_none": {"nl": "Filters: geen (hele regio)", "en": "Filters: none (whole region)"},
    "chart_quarter": {"nl": "Kwartaal", "en": "Quarter"},
    "chart_norm_green": {"nl": "Norm groen", "en": "Green norm"},
    "chart_norm_amber": {"nl": "Norm oranje", "en": "Amber norm"},
    "chart_spc_centre": {"nl": "Gemiddelde eigen historie", "en": "Own historical mean"},
    "chart_spc_limits": {
        "nl": "Controlegrenzen (normale variatie)",
        "en": "Control limits (normal variation)",
    },
    "chart_spc_limits_provisional": {
        "nl": "Controlegrenzen (voorlopig: minder dan {baseline} punten)",
        "en": "Control limits (provisional: fewer than {baseline} points)",
    },
    "chart_spc_improvement": {"nl": "Signaal: verbetering", "en": "Signal: improvement"},
    "chart_spc_concern": {"nl": "Signaal: verslechtering", "en": "Signal: concern"},
    "chart_spc_baseline": {"nl": "basisperiode (grenzen)", "en": "baseline (limits)"},
    "spc_rule_outside": {
        "nl": "punt buiten de controlegrenzen",
        "en": "point outside the control limits",
    },
    "spc_rule_shift": {
        "nl": "{shift} of meer punten op rij aan één kant van het gemiddelde",
        "en": "{shift} or more points in a row on one side of the mean",
    },
    "spc_rule_trend": {
        "nl": "{trend} of meer punten op rij stijgend of dalend",
        "en": "{trend} or more points in a row rising or falling",
    },
    "spc_rule_two_of_three": {
        "nl": "2 van 3 punten voorbij 2 sigma aan dezelfde kant",
        "en": "2 of 3 points beyond 2 sigma on the same side",
    },
    "spc_variation_common": {
        "nl": "normale variatie (geen signaal)",
        "en": "common cause variation (no signal)",
    },
    "spc_variation_improvement": {
        "nl": "bijzondere variatie: verbetering",
        "en": "special cause variation: improvement",
    },
    "spc_variation_concern": {
        "nl": "bijzondere variatie: verslechtering",
        "en": "special cause variation: concern",
    },
    "spc_variation_none": {
        "nl": "– te weinig punten voor controlegrenzen",
        "en": "– too few points for control limits",
    },
    "spc_side_high": {"nl": "hoger", "en": "higher"},
    "spc_side_low": {"nl": "lager", "en": "lower"},
    "spc_assurance_pass": {
        "nl": "haalt de norm steeds (de grenzen liggen aan de goede kant van de norm)",
        "en": "meets the norm consistently (the limits lie on the good side of the norm)",
    },
    "spc_assurance_hit_and_miss": {
        "nl": "haalt de norm wisselend, door toeval (de norm ligt binnen de grenzen)",
        "en": "meets or misses the norm by chance (the norm lies within the limits)",
    },
    "spc_assurance_fail": {
        "nl": "haalt de norm niet zonder verandering (de grenzen liggen aan de verkeerde kant "
        "van de norm)",
        "en": "will not meet the norm without a change (the limits lie on the wrong side of "
        "the norm)",
    },
    "spc_assurance_changed": {
        "nl": "niet te beoordelen: het laatste kwartaal is een signaal, de grenzen van de "
        "basisperiode gelden niet meer",
        "en": "cannot be judged: the latest quarter is a signal, the baseline's limits no "
        "longer apply",
    },
    "spc_assurance_none": {
        "nl": "– geen norm of geen controlegrenzen",
        "en": "– no norm or no control limits",
    },
    "spc_variation_short_common": {"nl": "normaal", "en": "common cause"},
    "spc_variation_short_improvement": {"nl": "verbetering", "en": "improvement"},
    "spc_variation_short_concern": {"nl": "verslechtering", "en": "concern"},
    "spc_assurance_short_pass": {"nl": "steeds gehaald", "en": "consistently met"},
    "spc_assurance_short_hit_and_miss": {"nl": "wisselend (toeval)", "en": "hit and miss"},
    "spc_assurance_short_fail": {"nl": "niet zonder verandering", "en": "not without change"},
    "spc_assurance_short_changed": {"nl": "niet te beoordelen", "en": "cannot be judged"},
    "spc_help_title": {
        "nl": "Hoe lees je de trendgrafieken? (statistische procescontrole)",
        "en": "How to read the trend charts (statistical process control)",
    },
    "spc_help": {
        "nl": "De grafieken volgen de werkwijze van NHS England, *Making Data Count*. De grijze "
        "lijnen zijn het gemiddelde en de controlegrenzen van de eigen historie: zolang de "
        "punten daartussen op en neer gaan is dat normale variatie, waarop je niet hoeft te "
        "reageren.\n\n"
        "- **Basisperiode.** Gemiddelde en grenzen worden één keer berekend over de eerste "
        "{baseline} kwartalen met een waarde (het grijze vlak) en daarna vastgehouden; latere "
        "kwartalen worden daaraan getoetst. Met minder kwartalen zijn de grenzen voorlopig, onder "
        "de {min_points} zijn er geen. Een kwartaal in de basisperiode dat zelf buiten de grenzen "
        "valt, telt niet mee voor de grenzen. Kwartalen met n < 10 worden getoond maar niet "
        "getoetst.\n"
        "- **Percentages** (p-kaart): gemiddelde = som van de tellers / som van de noemers; "
        "elk kwartaal krijgt eigen grenzen uit zijn eigen aantal (p ± 3·√(p(1−p)/n)), dus bij "
        "weinig cliënten liggen ze wijder.\n"
        "- **Dagen, verhoudingen, aantallen** (XmR-kaart): gemiddelde ± 2,66 × de gemiddelde "
        "sprong tussen opeenvolgende kwartalen.\n"
        "- **Signalen**, elk met de regel die afging: (1) een punt buiten de controlegrenzen; "
        "(2) {shift} of meer punten op rij aan één kant van het gemiddelde; (3) {trend} of meer "
        "punten op rij stijgend of dalend; (4) 2 van 3 punten voorbij 2 sigma aan dezelfde "
        "kant. Een signaal is een **verbetering** of een **verslechtering**, afhankelijk van "
        "de richting van de KPI (bij uitval is lager beter).\n"
        "- **Variatie** (laatste kwartaal): normale variatie, of bijzondere variatie "
        "(verbetering/verslechtering, hoger/lager).\n"
        "- **Zekerheid** (norm tegen de grenzen van het laatste kwartaal): liggen de grenzen "
        "helemaal aan de goede kant van de groene norm, dan haalt de aanbieder de norm steeds; "
        "ligt de norm tussen de grenzen, dan wordt hij door toeval wel of niet gehaald; liggen "
        "ze aan de verkeerde kant, dan wordt de norm niet gehaald zonder dat er iets verandert. "
        "Is het laatste kwartaal zelf een signaal, dan is de zekerheid niet te beoordelen.",
        "en": "The charts follow NHS England's *Making Data Count* practice. The grey lines are "
        "the mean and the control limits of the provider's own history: as long as the points "
        "move up and down between them, that is common cause variation, not a reason to act."
        "\n\n"
        "- **Baseline.** The mean and the limits are computed once, over the first {baseline} "
        "quarters with a value (the grey area), and then held; later quarters are judged "
        "against them. With fewer quarters the limits are provisional, below {min_points} there "
        "are none. A baseline quarter that itself lies outside the limits is left out of them. "
        "Quarters with n < 10 are shown but not judged.\n"
        "- **Percentages** (p-chart): mean = sum of numerators / sum of denominators; every "
        "quarter gets its own limits from its own count (p ± 3·√(p(1−p)/n)), so with few "
        "clients they are wider.\n"
        "- **Days, ratios, counts** (XmR chart): mean ± 2.66 × the average jump between "
        "consecutive quarters.\n"
        "- **Signals**, each with the rule that fired: (1) a point outside the control "
        "limits; (2) {shift} or more points in a row on one side of the mean; (3) {trend} or "
        "more points in a row rising or falling; (4) 2 of 3 points beyond 2 sigma on the same "
        "side. A signal is an **improvement** or a **concern** depending on the KPI's "
        "direction (for dropout lower is better).\n"
        "- **Variation** (latest quarter): common cause, or special cause (improvement/concern, "
        "higher/lower).\n"
        "- **Assurance** (norm against the latest quarter's limits): when the limits lie "
        "entirely on the good side of the green norm, the provider meets it consistently; when "
        "the norm lies between the limits, it is met or missed by chance; when they lie on the "
        "wrong side, the norm will not be met unless something changes. When the latest "
        "quarter is itself a signal, the assurance cannot be judged.",
    },
    "provider_col_variation": {"nl": "Variatie", "en": "Variation"},
    "provider_col_assurance": {"nl": "Zekerheid norm", "en": "Assurance"},
    "provider_chart_signals": {"nl": "Signalen {kpi}: {signals}", "en": "Signals {kpi}: {signals}"},
    "provider_chart_summary": {
        "nl": "Variatie: {variation} · Zekerheid: {assurance}",
        "en": "Variation: {variation} · Assurance: {assurance}",
    },
    "chart_step": {"nl": "Stap", "en": "Step"},
    "chart_target_path": {"nl": "Doelpad", "en": "Target path"},
    "chart_projection": {"nl": "Prognose (trend)", "en": "Projection (trend)"},
    "chart_projection_band": {
        "nl": "Onzekerheid prognose (95%)",
        "en": "Projection uncertainty (95%)",
    },
    "chart_realised": {"nl": "Realisatie", "en": "Realised"},
    "status_n<10": {"nl": "n < 10", "en": "n < 10"},
    "status_n/a": {"nl": "n.v.t.", "en": "n/a"},
    "unit_days": {"nl": "d", "en": "d"},
    "unit_points": {"nl": "%-punt", "en": "pp"},
    "unit_delta_days": {"nl": "dagen", "en": "days"},
    "unit_delta_clients": {"nl": "cliënten", "en": "clients"},
    "export_csv": {"nl": "Download CSV", "en": "Download CSV"},
    "export_xlsx": {"nl": "Download Excel", "en": "Download Excel"},
    "export_data_version": {"nl": "Dataversie {version}", "en": "Data version {version}"},
    "no_data_yet": {
        "nl": "Er zijn nog geen geaccepteerde aanleveringen. Begin bij Aanleveren, of laad de "
        "voorbeeldregio (`make run`).",
        "en": "There are no accepted deliveries yet. Start at Upload, or load the sample "
        "region (`make run`).",
    },
    "categories_municipality_note": {
        "nl": "Per gemeente leveren aanbieders alleen de populatie aan. Daarom staan hier per "
        "aanbieder de cliënten per zorgvorm, de in- en uitstroom, de verhouding ambulant/bed en "
        "de twee doelindexen van de gemeente. Resultaten en aanbod ({kpis}) worden niet per "
        "gemeente aangeleverd en kunnen dus niet per gemeente worden getoond; kies 'Alle' "
        "gemeenten om ze te zien.",
        "en": "Providers deliver only the population per municipality. So this shows, per "
        "provider, the clients per care form, inflow and outflow, the ambulant/bed ratio and the "
        "municipality's two target indexes. Results and offer ({kpis}) are not delivered per "
        "municipality and cannot be shown per municipality; choose 'All' municipalities to see "
        "them.",
    },
    "categories_municipality_caption": {
        "nl": "Cliënten van {name} in dit kwartaal (cliënten per zorgvorm = begin kwartaal + "
        "instroom).",
        "en": "Clients from {name} in this quarter (clients per care form = start of quarter + "
        "inflow).",
    },
    "categories_municipality_index": {
        "nl": "{index} — {name}, {quarter}",
        "en": "{index} — {name}, {quarter}",
    },
    "categories_municipality_index_help": {
        "nl": "Cliënten van de gemeente in deze zorgvormen gedeeld door die van de gemeente zelf "
        "in het basisjaar (alle aanbieders samen).",
        "en": "The municipality's clients in these care forms divided by its own in the baseline "
        "year (all providers together).",
    },
    "categories_empty": {
        "nl": "Geen aanbieders met gegevens voor deze selectie.",
        "en": "No providers with data for this selection.",
    },
    "categories_sparkline": {"nl": "Trend {kpi} (8 kw.)", "en": "Trend {kpi} (8 qtrs)"},
    "categories_total": {"nl": "Categorie {category}", "en": "Category {category}"},
    "categories_region": {"nl": "Regio", "en": "Region"},
    "categories_level": {"nl": "Niveau", "en": "Level"},
    "status_legend": {
        "nl": "✔ groen · ! oranje · ✖ rood (volgens de norm) · · n < 10: minder dan 10 "
        "waarnemingen in de noemer, te weinig voor een oordeel · ∅ n.v.t.: niet van toepassing, "
        "bijv. ligduur en verhouding ambulant/bed bij een aanbieder zonder bedgebonden zorg · "
        "– geen norm: voor deze KPI is geen norm vastgesteld, dus geen kleur. Een verschil is "
        "de verandering t.o.v. het vorige kwartaal in de eenheid van de KPI (%-punt, dagen, "
        "cliënten); ±0 is gelijk gebleven.",
        "en": "✔ green · ! amber · ✖ red (by the norm) · · n < 10: fewer than 10 observations "
        "in the denominator, too few to judge · ∅ n/a: not applicable, e.g. length of stay and "
        "the ambulant/bed ratio for a provider without bed-type care · – no norm: no norm is "
        "set for this KPI, so no colour. A change is the difference from the previous quarter "
        "in the KPI's unit (pp, days, clients); ±0 means unchanged.",
    },
    "categories_kpi_picker": {"nl": "KPI's in de tabel", "en": "KPIs in the table"},
    "categories_click_hint": {
        "nl": "Klik op een rij om die aanbieder te openen (met dit kwartaal en deze zorgvorm).",
        "en": "Click a row to open that provider (with this quarter and care form).",
    },
    "choose_options": {"nl": "Kies een of meer", "en": "Choose one or more"},
    "choose_option": {"nl": "Kies een", "en": "Choose one"},
    "export_data_sheet": {"nl": "gegevens", "en": "data"},
    "provider_not_available": {
        "nl": "Die aanbieder is niet beschikbaar; je ziet een aanbieder waartoe je toegang hebt.",
        "en": "That provider is not available; showing a provider you have access to.",
    },
    "provider_header": {
        "nl": "AGB {agb} · {category} · perceel {lot}",
        "en": "AGB {agb} · {category} · lot {lot}",
    },
    "provider_current_step": {"nl": "Huidige escalatiestap", "en": "Current escalation step"},
    "provider_quarter_without_data": {
        "nl": "Deze aanbieder heeft voor {quarter} geen geaccepteerde gegevens; het laatste "
        "kwartaal met gegevens is {latest}.",
        "en": "This provider has no accepted data for {quarter}; the latest quarter with data "
        "is {latest}.",
    },
    "provider_tab_kpis": {"nl": "KPI's en trends", "en": "KPIs and trends"},
    "provider_tab_breakdown": {
        "nl": "Populatie, aanbod, resultaten",
        "en": "Population, offer, results",
    },
    "provider_tab_deliveries": {"nl": "Aanleveringen", "en": "Deliveries"},
    "provider_tab_escalation": {"nl": "Escalatiehistorie", "en": "Escalation history"},
    "provider_col_kpi": {"nl": "KPI", "en": "KPI"},
    "provider_col_value": {"nl": "Waarde", "en": "Value"},
    "provider_col_status": {"nl": "Status", "en": "Status"},
    "provider_col_norm": {"nl": "Norm", "en": "Norm"},
    "provider_chart_table": {"nl": "Tabel bij de grafiek {kpi}", "en": "Table for chart {kpi}"},
    "provider_population_by_municipality_code": {
        "nl": "Populatie per gemeente",
        "en": "Population by municipality",
    },
    "provider_population_by_care_form": {
        "nl": "Populatie per zorgvorm",
        "en": "Population by care form",
    },
    "provider_population_by_age_group": {
        "nl": "Populatie per leeftijdsgroep",
        "en": "Population by age group",
    },
    "provider_no_decisions": {
        "nl": "Nog geen escalatiebesluiten.",
        "en": "No escalation decisions yet.",
    },
    "mirror_explanation": {
        "nl": "Je eigen KPI's naast het gemiddelde van de andere aanbieders in je categorie en "
        "in de regio: de tellers van alle andere aanbieders opgeteld, gedeeld door hun "
        "opgetelde noemers (een aanbieder zonder bedcliënten telt met zijn ambulante cliënten "
        "dus mee in de verhouding ambulant/bed). Zo blijven de waarden van andere aanbieders "
        "geheim: een vergelijking wordt niet getoond als minder dan {minimum} andere "
        "aanbieders gegevens voor die KPI hebben, of als één andere aanbieder meer dan "
        "{share} van de noemer van de groep heeft (bij de wachtlijst: van het totaal). De "
        "positie in de categorie telt alle aanbieders van de categorie met een waarde "
        "(1 = beste waarde, kwartiel 1 = beste kwart), alleen bij minstens {minimum} andere.",
        "en": "Your own KPIs next to the average of the other providers in your category and "
        "in the region: the numerators of all other providers added up, divided by their "
        "added-up denominators (a provider without bed clients still counts with its "
        "ambulant clients in the ambulant/bed ratio). To keep other providers' values "
        "confidential, a comparison is not shown when fewer than {minimum} other providers "
        "have data for that KPI, or when one other provider holds more than {share} of the "
        "group's denominator (for the waiting list: of its total). The position in the "
        "category counts every provider of the category with a value (1 = best value, "
        "quartile 1 = best quarter), only with at least {minimum} others.",
    },
    "mirror_own": {"nl": "Eigen waarde", "en": "Own value"},
    "mirror_category": {
        "nl": "Categorie {category} (anderen)",
        "en": "Category {category} (others)",
    },
    "mirror_region": {"nl": "Regio (anderen)", "en": "Region (others)"},
    "mirror_suppressed_few_providers": {
        "nl": "niet getoond (< {minimum} andere aanbieders)",
        "en": "not shown (< {minimum} other providers)",
    },
    "mirror_suppressed_dominant": {
        "nl": "niet getoond (één aanbieder > {share})",
        "en": "not shown (one provider > {share})",
    },
    "mirror_rank": {"nl": "Positie in categorie", "en": "Position in category"},
    "mirror_rank_value": {
        "nl": "{rank} van {ranked} (kwartiel {quartile})",
        "en": "{rank} of {ranked} (quartile {quartile})",
    },
    "mirror_trend_kpi": {"nl": "Trend van KPI", "en": "Trend of KPI"},
    "overview_caption": {
        "nl": "Regio Rijnmond · laatste kwartaal met gegevens: {quarter}",
        "en": "Rijnmond region · latest quarter with data: {quarter}",
    },
    "overview_headline": {
        "nl": "Kern-KPI's van de regio ({quarter})",
        "en": "Headline KPIs of the region ({quarter})",
    },
    "overview_target_table": {"nl": "Tabel bij de grafiek", "en": "Table for the chart"},
    "overview_contributions": {
        "nl": "Bijdrage aan de verandering sinds de nulmeting",
        "en": "Contribution to the change since the baseline",
    },
    "overview_index": {"nl": "Index", "en": "Index"},
    "overview_by_provider": {"nl": "Per aanbieder", "en": "By provider"},
    "overview_by_municipality": {"nl": "Per gemeente", "en": "By municipality"},
    "overview_contribution_chart": {
        "nl": "Bijdrage in indexpunten (groen = richting doel)",
        "en": "Contribution in index points (green = towards the target)",
    },
    "delivery_status_empty": {
        "nl": "Er zijn nog geen aanbieders met een contract in het register.",
        "en": "There are no providers with a contract in the register yet.",
    },
    "delivery_status_filter": {"nl": "Status", "en": "Status"},
    "filter_status": {"nl": "Status", "en": "Status"},
    "delivery_status_from": {"nl": "Vanaf kwartaal", "en": "From quarter"},
    "delivery_status_timeliness": {
        "nl": "Tijdigheid per aanbieder (compleet binnen {days} dagen na kwartaaleinde, in %)",
        "en": "Timeliness per provider (complete within {days} days after quarter end, in %)",
    },
    "delivery_status_summary": {"nl": "Samenvatting per kwartaal", "en": "Summary per quarter"},
    "escalation_click_hint": {
        "nl": "Klik op een naam of op een rij in de tabellen om die aanbieder te openen.",
        "en": "Click a name or a row in the tables to open that provider.",
    },
    "delivery_status_click_hint": {
        "nl": "Klik op een rij om die aanbieder te openen.",
        "en": "Click a row to open that provider.",
    },
    "delivery_complete": {"nl": "op tijd compleet", "en": "complete on time"},
    "delivery_late": {"nl": "te laat", "en": "late"},
    "delivery_incomplete": {"nl": "onvolledig", "en": "incomplete"},
    "delivery_missing": {"nl": "ontbreekt", "en": "missing"},
    "delivery_pending": {"nl": "nog open", "en": "not yet due"},
    "norms_in_effect": {
        "nl": "Normen die gelden in {quarter}",
        "en": "Norms in effect in {quarter}",
    },
    "norms_form": {"nl": "Norm wijzigen", "en": "Change a norm"},
    "norms_all_categories": {"nl": "Alle categorieën", "en": "All categories"},
    "norms_valid_from": {"nl": "Geldig vanaf kwartaal", "en": "Valid from quarter"},
    "norms_green": {"nl": "Grens groen", "en": "Green threshold"},
    "norms_amber": {"nl": "Grens oranje", "en": "Amber threshold"},
    "norms_units_help": {
        "nl": "Percentages als getal (70 = 70%), wachttijden en ligduur in dagen. Beide leeg "
        "laten trekt de norm in.",
        "en": "Percentages as a number (70 = 70%), waiting times and length of stay in days. "
        "Leave both empty to withdraw the norm.",
    },
    "norms_reason": {"nl": "Reden van de wijziging", "en": "Reason for the change"},
    "norms_reason_required": {
        "nl": "Geef een reden voor de wijziging.",
        "en": "Give a reason for the change.",
    },
    "norms_both_or_none": {
        "nl": "Vul beide grenzen in, of laat beide leeg om de norm in te trekken.",
        "en": "Fill in both thresholds, or leave both empty to withdraw the norm.",
    },
    "norms_order_higher": {
        "nl": "Hoger is beter: de grens voor oranje mag niet boven die voor groen liggen.",
        "en": "Higher is better: the amber threshold cannot be above the green one.",
    },
    "norms_order_lower": {
        "nl": "Lager is beter: de grens voor oranje mag niet onder die voor groen liggen.",
        "en": "Lower is better: the amber threshold cannot be below the green one.",
    },
    "norms_saved": {
        "nl": "Norm opgeslagen; geldig vanaf {quarter}. Eerdere kwartalen houden hun oude norm.",
        "en": "Norm saved; valid from {quarter}. Earlier quarters keep their old norm.",
    },
    "norms_history": {"nl": "Geschiedenis van normwijzigingen", "en": "History of norm changes"},
    "error_unexpected": {
        "nl": "Er ging iets mis bij het tonen van deze pagina. Probeer het opnieuw; blijft het "
        "misgaan, meld het dan aan de beheerder (het tijdstip is genoeg).",
        "en": "Something went wrong while showing this page. Try again; if it keeps happening, "
        "tell the administrator (the time is enough).",
    },
    "error_lake_not_initialized": {
        "nl": "Deze database is nog niet ingericht. De beheerder richt hem in met "
        "`python -m pipelines.lake init` (zie README, DuckLake).",
        "en": "This database has not been set up yet. The administrator sets it up with "
        "`python -m pipelines.lake init` (see README, DuckLake).",
    },
    "as_of_banner": {
        "nl": "U bekijkt het dashboard zoals het was bij het besluit van {when} over {provider} "
        "(alleen lezen: nieuwe gegevens, besluiten en aanleveringen ziet u hier niet).",
        "en": "You are looking at the dashboard as it was at the decision of {when} on "
        "{provider} (read-only: newer data, decisions and deliveries are not shown here).",
    },
    "as_of_back": {"nl": "Terug naar de actuele gegevens", "en": "Back to the current data"},
    "as_of_read_only": {
        "nl": "In deze terugblik kunt u niets wijzigen. Ga eerst terug naar de actuele gegevens.",
        "en": "Nothing can be changed in this look back. Go back to the current data first.",
    },
    "as_of_choose": {
        "nl": "Toon het dashboard zoals het was bij dit besluit",
        "en": "Show the dashboard as it was at this decision",
    },
    "as_of_show": {"nl": "Terugkijken", "en": "Look back"},
    "as_of_unavailable": {
        "nl": "Terugkijken naar de gegevens bij een besluit kan alleen met de DuckLake-opslag "
        "(de momentopname met de KPI-waarden staat wel bij elk besluit).",
        "en": "Looking back at the data of a decision needs DuckLake storage (the snapshot of "
        "the KPI values is stored with every decision).",
    },
    "upload_busy": {
        "nl": "De database is even bezet door een andere aanlevering. Uw bestanden zijn niet "
        "afgewezen en er is niets opgeslagen: probeer het zo opnieuw.",
        "en": "The database is busy with another delivery for a moment. Your files were not "
        "rejected and nothing was stored: try again shortly.",
    },
    "error_database_busy": {
        "nl": "De database is even bezet (er wordt een aanlevering verwerkt). Probeer het over "
        "een paar seconden opnieuw.",
        "en": "The database is busy for a moment (a delivery is being processed). Try again in "
        "a few seconds.",
    },
    "escalation_evaluated": {
        "nl": "regels toegepast op {quarter}",
        "en": "rules applied to {quarter}",
    },
    "escalation_board": {"nl": "Aanbieders per stap", "en": "Providers by step"},
    "escalation_proposals": {"nl": "Openstaande voorstellen", "en": "Open proposals"},
    "escalation_no_proposals": {
        "nl": "Geen voorstellen: de regels zien geen aanleiding.",
        "en": "No proposals: the rules see no reason.",
    },
    "escalation_current": {"nl": "Huidige stap", "en": "Current step"},
    "escalation_proposed": {"nl": "Voorgestelde stap", "en": "Proposed step"},
    "escalation_reasons": {"nl": "Redenen", "en": "Reasons"},
    "escalation_reviews": {"nl": "Reviews die eraan komen", "en": "Reviews due"},
    "escalation_no_reviews": {"nl": "Geen reviews gepland.", "en": "No reviews due."},
    "escalation_due": {"nl": "Uiterlijk", "en": "Due"},
    "escalation_overdue": {"nl": "te laat", "en": "overdue"},
    "escalation_decide": {"nl": "Besluit vastleggen", "en": "Record a decision"},
    "escalation_no_permission": {
        "nl": "Alleen accounthouders en management leggen besluiten vast.",
        "en": "Only contract managers and management record decisions.",
    },
    "escalation_proposal_for": {
        "nl": "Voorstel: naar {step}. Waarom: {reasons}",
        "en": "Proposal: to {step}. Why: {reasons}",
    },
    "escalation_formal_only": {
        "nl": "Deze aanbieder staat op een formele stap (4 of 5); "
        "alleen het management kan hierover besluiten.",
        "en": "This provider is on a formal step (4 or 5); only management can decide on it.",
    },
    "escalation_formal_note": {
        "nl": "Stap 4 (ingebrekestelling) en 5 (ontbinding) kan alleen het management zetten.",
        "en": "Steps 4 (formal notice) and 5 (termination) can only be set by management.",
    },
    "escalation_new_step": {"nl": "Nieuwe stap", "en": "New step"},
    "escalation_reason": {"nl": "Reden (verplicht)", "en": "Reason (required)"},
    "escalation_actions": {"nl": "Gemaakte afspraken", "en": "Agreed actions"},
    "escalation_review_date": {"nl": "Reviewdatum", "en": "Review date"},
    "escalation_save": {"nl": "Besluit opslaan", "en": "Save decision"},
    "escalation_reason_required": {
        "nl": "Geef de reden van het besluit.",
        "en": "Give the reason for the decision.",
    },
    "escalation_saved": {
        "nl": "Besluit vastgelegd: {name} staat nu op {step}.",
        "en": "Decision recorded: {name} is now on {step}.",
    },
    "escalation_history": {"nl": "Alle besluiten", "en": "All decisions"},
    "report_footer": {
        "nl": "dataversie {version} · gemaakt {generated}",
        "en": "data version {version} · generated {generated}",
    },
    "report_title": {
        "nl": "Kwartaalrapport {name} {quarter}",
        "en": "Quarterly report {name} {quarter}",
    },
    "report_mirror_title": {
        "nl": "Spiegelrapport {name} {quarter}",
        "en": "Mirror report {name} {quarter}",
    },
    "report_heading": {"nl": "Kwartaalrapport", "en": "Quarterly report"},
    "report_provider": {"nl": "Aanbieder", "en": "Provider"},
    "report_kpis": {"nl": "KPI's met status en norm", "en": "KPIs with status and norm"},
    "report_no_data": {"nl": "Geen gegevens voor dit kwartaal.", "en": "No data for this quarter."},
    "report_delta": {"nl": "t.o.v. vorig kw.", "en": "vs previous qtr"},
    "report_trends": {"nl": "Trends", "en": "Trends"},
    "report_trends_help": {
        "nl": "Gestreepte lijnen: normen (groen, oranje). Grijze lijnen: gemiddelde en "
        "controlegrenzen van de eigen historie, berekend over de basisperiode (grijs vlak, de "
        "eerste {baseline} kwartalen) volgens NHS Making Data Count. Signalen: een punt buiten "
        "de grenzen, {shift}+ punten aan één kant van het gemiddelde, {trend}+ punten op rij "
        "stijgend of dalend, of 2 van 3 punten voorbij 2 sigma; een driehoek omhoog "
        "markeert een verbetering, een kruis een verslechtering. Verticale lijnen: "
        "escalatiebesluiten.",
        "en": "Dashed lines: norms (green, amber). Grey lines: mean and control limits of the "
        "own history, computed over the baseline (grey area, the first {baseline} quarters) "
        "following NHS Making Data Count. Signals: a point outside the limits, {shift}+ points "
        "on one side of the mean, {trend}+ points in a row rising or falling, or 2 of 3 points "
        "beyond 2 sigma; an upward triangle marks an improvement, a cross a concern. Vertical "
        "lines: escalation decisions.",
    },
    "report_population": {"nl": "Populatie per zorgvorm", "en": "Population by care form"},
    "report_offer": {"nl": "Aanbod", "en": "Offer"},
    "report_results": {"nl": "Resultaten", "en": "Results"},
    "report_escalation": {"nl": "Escalatie en afspraken", "en": "Escalation and agreements"},
    "report_open_agreements": {
        "nl": "Lopende afspraken: {actions} (review {review}).",
        "en": "Open agreements: {actions} (review {review}).",
    },
    "report_date": {"nl": "Datum", "en": "Date"},
    "report_by": {"nl": "Door", "en": "By"},
    "report_step": {"nl": "Stap", "en": "Step"},
    "report_download_pdf": {"nl": "PDF-rapport maken", "en": "Create PDF report"},
    "report_download_mirror_pdf": {"nl": "Spiegelrapport als PDF", "en": "Mirror report as PDF"},
    "report_generating": {"nl": "Rapport wordt gemaakt…", "en": "Generating the report…"},
    "report_ready": {"nl": "PDF downloaden", "en": "Download PDF"},
    # ---- agreements, explanations, talk pack, decisions (issue 16) ---------------------------
    "agreement_status_on_track": {"nl": "Op koers", "en": "On track"},
    "agreement_status_at_risk": {"nl": "Risico", "en": "At risk"},
    "agreement_status_off_track": {"nl": "Niet op koers", "en": "Off track"},
    "agreement_status_achieved": {"nl": "Gehaald", "en": "Achieved"},
    "agreement_status_missed": {"nl": "Niet gehaald", "en": "Missed"},
    "agreement_status_no_data": {"nl": "Geen gegevens", "en": "No data"},
    "agreement_status_not_started": {"nl": "Nog niet begonnen", "en": "Not started"},
    "agreement_statement_not_started": {
        "nl": "De afspraak begint in {start}.",
        "en": "The agreement starts in {start}.",
    },
    "agreement_statement_no_data": {
        "nl": "Nog geen gegevens sinds de start ({start}).",
        "en": "No data yet since the start ({start}).",
    },
    "agreement_statement_no_data_deadline": {
        "nl": "Geen gegevens voor het deadlinekwartaal {deadline}: niet te beoordelen.",
        "en": "No data for the deadline quarter {deadline}: cannot be judged.",
    },
    "agreement_statement_achieved": {
        "nl": "Gehaald: {value} in {deadline} tegen afgesproken {target}.",
        "en": "Achieved: {value} in {deadline} against an agreed {target}.",
    },
    "agreement_statement_missed": {
        "nl": "Niet gehaald: {value} in {deadline} tegen afgesproken {target}.",
        "en": "Missed: {value} in {deadline} against an agreed {target}.",
    },
    "agreement_statement_milestone_missed": {
        "nl": "Tussendoel {value} in {quarter} niet gehaald ({actual}).",
        "en": "Milestone {value} in {quarter} not reached ({actual}).",
    },
    "agreement_statement_reached_early": {
        "nl": "{status}: het doel {target} is in {quarter} al bereikt ({value}); het telt in "
        "{deadline}.",
        "en": "{status}: the target {target} was already reached in {quarter} ({value}); it "
        "counts in {deadline}.",
    },
    "agreement_statement_projection": {
        "nl": "{status}: de trend komt in {deadline} uit op {projected} tegen afgesproken "
        "{target} ({share}% van de benodigde verandering vanaf {baseline} in "
        "{baseline_quarter}).",
        "en": "{status}: the trend reaches {projected} in {deadline} against an agreed "
        "{target} ({share}% of the required change from {baseline} in {baseline_quarter}).",
    },
    "agreement_method": {
        "nl": "Methode: kleinste-kwadratenlijn door de waarden van de laatste {n} kwartalen "
        "({first}–{last}), doorgetrokken tot {deadline} (als bij het regionale doel).",
        "en": "Method: least-squares straight line through the values of the last {n} quarters "
        "({first}–{last}), extended to {deadline} (as for the regional target).",
    },
    "agreement_unknown_measure": {
        "nl": "Onbekende maat voor een afspraak: {measure}.",
        "en": "Unknown measure for an agreement: {measure}.",
    },
    "agreement_bad_quarter": {
        "nl": "Kwartaal niet leesbaar: '{value}' (schrijf bijvoorbeeld 2026Q2).",
        "en": "Quarter not readable: '{value}' (write e.g. 2026Q2).",
    },
    "agreement_title_required": {
        "nl": "Geef de afspraak een korte omschrijving.",
        "en": "Give the agreement a short description.",
    },
    "agreement_title_too_long": {
        "nl": "De omschrijving is langer dan {limit} tekens.",
        "en": "The description is longer than {limit} characters.",
    },
    "agreement_bad_care_form": {
        "nl": "Zorgvorm '{care_form}' past niet bij deze maat.",
        "en": "Care form '{care_form}' does not fit this measure.",
    },
    "agreement_bad_target": {
        "nl": "Streefwaarde '{value}' is geen geldige waarde voor deze maat.",
        "en": "Target '{value}' is not a valid value for this measure.",
    },
    "agreement_bad_direction": {
        "nl": "Richting '{value}' moet hoger of lager zijn.",
        "en": "Direction '{value}' must be higher or lower.",
    },
    "agreement_deadline_before_start": {
        "nl": "De deadline ({deadline}) ligt vóór de start ({start}).",
        "en": "The deadline ({deadline}) is before the start ({start}).",
    },
    "agreement_milestone_outside": {
        "nl": "Tussendoel in {quarter} ligt niet tussen start {start} en deadline {deadline}.",
        "en": "Milestone in {quarter} is not between start {start} and deadline {deadline}.",
    },
    "agreement_milestone_twice": {
        "nl": "Twee tussendoelen in hetzelfde kwartaal.",
        "en": "Two milestones in the same quarter.",
    },
    "agreement_unknown_provider": {
        "nl": "Aanbieder {agb} staat niet in het register.",
        "en": "Provider {agb} is not in the register.",
    },
    "agreement_unknown_decision": {
        "nl": "Besluit {decision} hoort niet bij deze aanbieder.",
        "en": "Decision {decision} does not belong to this provider.",
    },
    "agreement_unknown": {
        "nl": "Afspraak {agreement} bestaat niet.",
        "en": "Agreement {agreement} does not exist.",
    },
    "agreement_note_required": {
        "nl": "Geef aan waarom de afspraak wijzigt.",
        "en": "Say why the agreement changes.",
    },
    "explanation_subject_delivery": {
        "nl": "De aanlevering als geheel",
        "en": "The delivery as a whole",
    },
    "explanation_bad_quarter": {
        "nl": "Kwartaal niet leesbaar: '{value}'.",
        "en": "Quarter not readable: '{value}'.",
    },
    "explanation_bad_subject": {
        "nl": "Onbekend onderwerp voor een toelichting: {value}.",
        "en": "Unknown subject for an explanation: {value}.",
    },
    "explanation_empty": {
        "nl": "Schrijf eerst een toelichting.",
        "en": "Write an explanation first.",
    },
    "explanation_too_long": {
        "nl": "De tekst is langer dan {limit} tekens; houd het kort.",
        "en": "The text is longer than {limit} characters; keep it short.",
    },
    "explanation_unknown_provider": {
        "nl": "Aanbieder {agb} staat niet in het register.",
        "en": "Provider {agb} is not in the register.",
    },
    "explanation_no_thread": {
        "nl": "Er is nog geen toelichting van de aanbieder om op te reageren.",
        "en": "There is no explanation from the provider to reply to yet.",
    },
    # -- agreements on the pages
    "agreement_col_title": {"nl": "Afspraak", "en": "Agreement"},
    "agreement_col_measure": {"nl": "Maat", "en": "Measure"},
    "agreement_col_target": {"nl": "Doel", "en": "Target"},
    "agreement_col_latest": {"nl": "Laatste waarde", "en": "Latest value"},
    "agreement_col_path": {"nl": "Afgesproken pad", "en": "Agreed path"},
    "agreement_col_progress": {"nl": "Voortgang", "en": "Progress"},
    "agreement_judged_at": {
        "nl": "Voortgang beoordeeld op {quarter}.",
        "en": "Progress judged at {quarter}.",
    },
    "agreement_none": {
        "nl": "Nog geen prestatieafspraken.",
        "en": "No performance agreements yet.",
    },
    "agreement_agreed_with": {"nl": "Afgesproken door: {who}", "en": "Agreed by: {who}"},
    "agreement_history": {
        "nl": "Historie van de afspraken (alle versies)",
        "en": "History of the agreements (every version)",
    },
    "agreement_new": {"nl": "Nieuwe prestatieafspraak", "en": "New performance agreement"},
    "agreement_target_percent": {"nl": "Doel (%)", "en": "Target (%)"},
    "agreement_direction": {"nl": "Beter is", "en": "Better is"},
    "agreement_direction_lower": {"nl": "lager", "en": "lower"},
    "agreement_direction_higher": {"nl": "hoger", "en": "higher"},
    "agreement_start": {"nl": "Start (kwartaal)", "en": "Start (quarter)"},
    "agreement_deadline": {"nl": "Deadline (kwartaal)", "en": "Deadline (quarter)"},
    "agreement_milestones": {"nl": "Tussendoelen (optioneel)", "en": "Milestones (optional)"},
    "agreement_milestones_help": {
        "nl": "Per tussendoel kwartaal en waarde, gescheiden door ;, bijvoorbeeld "
        "2026Q2: 34; 2026Q4: 30 (percentages als getal: 15 voor 15%).",
        "en": "Quarter and value per milestone, separated by ;, e.g. 2026Q2: 34; 2026Q4: 30 "
        "(percentages as a number: 15 for 15%).",
    },
    "agreement_bad_milestones": {
        "nl": "Tussendoel niet leesbaar: '{value}' (schrijf kwartaal: waarde, bijvoorbeeld "
        "2026Q2: 34).",
        "en": "Milestone not readable: '{value}' (write quarter: value, e.g. 2026Q2: 34).",
    },
    "agreement_agreed_with_label": {
        "nl": "Afgesproken door (beide kanten)",
        "en": "Agreed by (both sides)",
    },
    "agreement_decision": {"nl": "Hoort bij besluit", "en": "Belongs to decision"},
    "agreement_no_decision": {
        "nl": "Losse afspraak (geen besluit)",
        "en": "Standalone (no decision)",
    },
    "agreement_save": {"nl": "Afspraak vastleggen", "en": "Record agreement"},
    "agreement_saved": {
        "nl": "Afspraak vastgelegd: {title}.",
        "en": "Agreement recorded: {title}.",
    },
    "agreement_change": {
        "nl": "Afspraak wijzigen of intrekken",
        "en": "Change or withdraw an agreement",
    },
    "agreement_new_target": {"nl": "Nieuw doel", "en": "New target"},
    "agreement_note": {"nl": "Waarom (verplicht)", "en": "Why (required)"},
    "agreement_withdraw": {"nl": "Afspraak intrekken", "en": "Withdraw the agreement"},
    "agreement_save_change": {"nl": "Wijziging vastleggen", "en": "Record the change"},
    "agreement_changed": {
        "nl": "Nieuwe versie vastgelegd: {title}.",
        "en": "New version recorded: {title}.",
    },
    # -- explanations on the pages
    "explanation_col_subject": {"nl": "Onderwerp", "en": "Subject"},
    "explanation_col_conversation": {
        "nl": "Toelichting en reacties",
        "en": "Explanation and replies",
    },
    "explanation_awaiting_reply": {"nl": "wacht op reactie", "en": "awaiting a reply"},
    "explanation_answered": {"nl": "beantwoord", "en": "answered"},
    "explanation_intro": {
        "nl": "Toelichtingen van de aanbieder op de cijfers van {quarter}, met de reacties "
        "van de regio.",
        "en": "The provider's explanations of the figures of {quarter}, with the region's replies.",
    },
    "explanation_none": {
        "nl": "Nog geen toelichting bij {quarter}.",
        "en": "No explanation for {quarter} yet.",
    },
    "explanation_other_quarters": {
        "nl": "Toelichtingen bij andere kwartalen",
        "en": "Explanations of other quarters",
    },
    "explanation_subject": {"nl": "Waarover", "en": "About"},
    "explanation_text_label": {
        "nl": "Uw toelichting bij {quarter} (kort)",
        "en": "Your explanation of {quarter} (short)",
    },
    "explanation_send": {"nl": "Toelichting versturen", "en": "Send explanation"},
    "explanation_sent": {
        "nl": "Toelichting vastgelegd; de accounthouder ziet hem bij de cijfers.",
        "en": "Explanation recorded; the contract manager sees it next to the figures.",
    },
    "explanation_reply_to": {"nl": "Reageren op", "en": "Reply to"},
    "explanation_reply_label": {"nl": "Reactie", "en": "Reply"},
    "explanation_reply_send": {"nl": "Reactie versturen", "en": "Send reply"},
    "explanation_reply_sent": {"nl": "Reactie vastgelegd.", "en": "Reply recorded."},
    # -- the talk pack
    "talk_title": {
        "nl": "Gespreksvoorbereiding {name} {quarter}",
        "en": "Talk preparation {name} {quarter}",
    },
    "talk_download_pdf": {
        "nl": "Gespreksvoorbereiding maken (scherm en PDF)",
        "en": "Prepare the talk (screen and PDF)",
    },
    "talk_ready": {"nl": "Gespreksvoorbereiding klaar", "en": "Talk preparation ready"},
    "talk_section_situation": {"nl": "Stand van zaken", "en": "Where things stand"},
    "talk_col_item": {"nl": "Onderdeel", "en": "Item"},
    "talk_col_value": {"nl": "Stand", "en": "Status"},
    "talk_since": {"nl": "sinds {date}", "en": "since {date}"},
    "talk_last_talk": {"nl": "Vorig gesprek", "en": "Last talk"},
    "talk_last_talk_value": {
        "nl": "{date} door {by} (cijfers {quarter})",
        "en": "{date} by {by} (figures {quarter})",
    },
    "talk_no_last_talk": {"nl": "nog geen gesprek vastgelegd", "en": "no talk recorded yet"},
    "talk_review_overdue": {"nl": "verlopen", "en": "overdue"},
    "talk_open_actions": {"nl": "Openstaande acties", "en": "Open actions"},
    "talk_section_kpis": {
        "nl": "KPI's tegen norm en categorie ({quarter})",
        "en": "KPIs against norm and category ({quarter})",
    },
    "talk_kpis_help": {
        "nl": "Categorie = de andere aanbieders in dezelfde categorie (alleen getoond bij "
        "minstens {minimum}). SPC = of de waarde binnen de normale variatie van de eigen "
        "historie valt.",
        "en": "Category = the other providers in the same category (shown only with at least "
        "{minimum}). SPC = whether the value is within the normal variation of the own "
        "history.",
    },
    "talk_col_category": {"nl": "Categorie", "en": "Category"},
    "talk_col_spc": {"nl": "SPC-oordeel", "en": "SPC verdict"},
    "talk_spc_too_few": {"nl": "te weinig kwartalen", "en": "too few quarters"},
    "talk_section_changes": {
        "nl": "Wat is er veranderd sinds het vorige gesprek",
        "en": "What changed since the last talk",
    },
    "talk_changes_since": {
        "nl": "Vergeleken met de cijfers waarop het besluit van {date} rustte ({quarter}), nu "
        "{now}.",
        "en": "Compared with the figures the decision of {date} rested on ({quarter}), now {now}.",
    },
    "talk_changes_previous": {
        "nl": "Nog geen eerder gesprek: vergeleken met het kwartaal vóór {now}.",
        "en": "No earlier talk: compared with the quarter before {now}.",
    },
    "talk_events": {
        # counts after a colon: right for 1 as for 6 (no plural forms needed)
        "nl": "Sindsdien aangeleverd of vastgelegd: tabellen {deliveries} · afspraakversies "
        "{agreements} · toelichtingen {explanations} · reacties {replies}.",
        "en": "Delivered or recorded since then: tables {deliveries} · agreement versions "
        "{agreements} · explanations {explanations} · replies {replies}.",
    },
    "talk_col_then": {"nl": "Toen ({quarter})", "en": "Then ({quarter})"},
    "talk_col_now": {"nl": "Nu ({quarter})", "en": "Now ({quarter})"},
    "talk_col_change": {"nl": "Verandering", "en": "Change"},
    "talk_better": {"nl": "beter", "en": "better"},
    "talk_worse": {"nl": "slechter", "en": "worse"},
    "talk_section_signals": {
        "nl": "Signalen en voorstellen (regels toegepast op {quarter})",
        "en": "Signals and proposals (rules applied to {quarter})",
    },
    "talk_no_signals": {"nl": "Geen signalen.", "en": "No signals."},
    "talk_proposal_up": {
        "nl": "Voorstel: naar {step}, op grond van de signalen hierboven.",
        "en": "Proposal: to {step}, on the signals above.",
    },
    "talk_rank": {"nl": "plek {rank}", "en": "rank {rank}"},
    "talk_rejected_before": {
        "nl": "Een voorstel op dezelfde feiten is op {date} afgewezen door {by}: {reason}",
        "en": "A proposal on the same facts was rejected on {date} by {by}: {reason}",
    },
    "talk_section_agreements": {
        "nl": "Prestatieafspraken en voortgang",
        "en": "Performance agreements and progress",
    },
    "talk_no_agreements": {
        "nl": "Geen lopende prestatieafspraken.",
        "en": "No current performance agreements.",
    },
    "talk_section_explanations": {
        "nl": "Toelichtingen van de aanbieder ({quarters})",
        "en": "The provider's explanations ({quarters})",
    },
    "talk_no_explanations": {
        "nl": "Geen toelichtingen in deze periode.",
        "en": "No explanations in this period.",
    },
    "talk_section_history": {
        "nl": "Escalatiestap en historie",
        "en": "Escalation step and history",
    },
    "talk_batch": {
        "nl": "Gespreksvoorbereidingen voor de reviews van dit kwartaal",
        "en": "Talk preparations for this quarter's reviews",
    },
    "talk_batch_intro": {
        "nl": "{count} aanbieders hebben dit kwartaal een review (A elk kwartaal, B elk "
        "halfjaar, C bij signalen, plus afgesproken reviewdata).",
        "en": "{count} providers have a review this quarter (A every quarter, B every half "
        "year, C on signals, plus agreed review dates).",
    },
    "talk_batch_button": {
        "nl": "Alle gespreksvoorbereidingen maken (PDF's in een zip)",
        "en": "Prepare all talks (PDFs in a zip)",
    },
    "talk_batch_progress": {
        "nl": "Gespreksvoorbereiding {done} van {total}: {name}",
        "en": "Talk preparation {done} of {total}: {name}",
    },
    "talk_batch_ready": {
        "nl": "{count} gespreksvoorbereidingen klaar.",
        "en": "{count} talk preparations ready.",
    },
    "talk_batch_download": {"nl": "Zip downloaden", "en": "Download zip"},
    # -- decision letters
    "letter_button": {"nl": "Besluitbrief (PDF)", "en": "Decision letter (PDF)"},
    "letter_pick": {"nl": "Besluit", "en": "Decision"},
    "letter_subject": {
        "nl": "Besluit escalatieladder: stap {step} ({name})",
        "en": "Escalation ladder decision: step {step} ({name})",
    },
    "letter_footer": {"nl": "kenmerk {reference}", "en": "reference {reference}"},
    "letter_intro": {
        "nl": "De regio volgt de prestaties van uw organisatie per kwartaal, zoals afgesproken "
        "in de overeenkomst en het sturingsregime van de regionale inkoopstrategie.",
        "en": "The region follows your organisation's performance every quarter, as agreed in "
        "the contract and the steering regime of the regional procurement strategy.",
    },
    "letter_changed": {
        "nl": "Naar aanleiding van de cijfers over {quarter} hebben wij op {date} besloten uw "
        "organisatie een stap {direction} te plaatsen op de escalatieladder: van stap "
        "{from_step} ({from_name}) naar stap {step} ({name}).",
        "en": "Following the figures for {quarter} we decided on {date} to move your "
        "organisation {direction} on the escalation ladder: from step {from_step} "
        "({from_name}) to step {step} ({name}).",
    },
    "letter_kept": {
        "nl": "Naar aanleiding van de cijfers over {quarter} hebben wij op {date} besloten dat "
        "uw organisatie op stap {step} ({name}) van de escalatieladder blijft.",
        "en": "Following the figures for {quarter} we decided on {date} that your "
        "organisation stays at step {step} ({name}) of the escalation ladder.",
    },
    "letter_kept_after_proposal": {
        "nl": "De cijfers over {quarter} gaven aanleiding tot een voorstel om de stap te "
        "wijzigen. Na afweging hebben wij op {date} besloten dat uw organisatie op stap {step} "
        "({name}) blijft.",
        "en": "The figures for {quarter} led to a proposal to change the step. Having weighed "
        "it, we decided on {date} that your organisation stays at step {step} ({name}).",
    },
    "letter_no_actions": {
        "nl": "Bij dit besluit zijn geen aanvullende acties afgesproken.",
        "en": "No further actions were agreed with this decision.",
    },
    "letter_agreements_intro": {
        "nl": "Bij dit besluit horen de volgende prestatieafspraken; de voortgang volgen wij "
        "per kwartaal in de Impactmonitor:",
        "en": "The following performance agreements belong to this decision; we follow their "
        "progress every quarter in the Impactmonitor:",
    },
    "letter_review": {
        "nl": "Wij bespreken de voortgang met u uiterlijk op {date}. U kunt uw cijfers en "
        "afspraken tot die tijd volgen in de Impactmonitor en daar per kwartaal een toelichting "
        "geven.",
        "en": "We will discuss the progress with you no later than {date}. Until then you can "
        "follow your figures and agreements in the Impactmonitor and explain them there every "
        "quarter.",
    },
    "letter_no_review": {
        "nl": "De voortgang bespreken wij in het reguliere accountgesprek.",
        "en": "We will discuss the progress in the regular account talk.",
    },
    "letter_formal": {
        "nl": "Dit besluit is genomen door het management van de regio en heeft gevolgen voor "
        "de overeenkomst; de juridische gevolgen worden u afzonderlijk bevestigd.",
        "en": "This decision was taken by the region's management and affects the contract; "
        "its legal consequences will be confirmed to you separately.",
    },
    "letter_questions": {
        "nl": "Heeft u vragen over dit besluit, neem dan contact op met uw accounthouder.",
        "en": "If you have questions about this decision, please contact your contract manager.",
    },
    # -- pages
    "provider_tab_agreements": {"nl": "Prestatieafspraken", "en": "Performance agreements"},
    "provider_tab_explanations": {"nl": "Toelichting", "en": "Explanations"},
    "provider_tab_talk": {"nl": "Gespreksvoorbereiding", "en": "Talk preparation"},
    "provider_col_explanation": {"nl": "Toelichting aanbieder", "en": "Provider's explanation"},
    "provider_delivery_explanation": {
        "nl": "Toelichting bij de aanlevering: ‘{text}’",
        "en": "Explanation of the delivery: ‘{text}’",
    },
    "agreement_state_active": {"nl": "geldend", "en": "in force"},
    "agreement_state_withdrawn": {"nl": "ingetrokken", "en": "withdrawn"},
    "talk_intro": {
        "nl": "Alles voor het gesprek met deze aanbieder: cijfers tegen norm en categorie, wat "
        "er veranderde, signalen, afspraken, toelichtingen, acties en de escalatiestap. Op het "
        "scherm en als PDF dezelfde inhoud.",
        "en": "Everything for the talk with this provider: figures against norm and category, "
        "what changed, signals, agreements, explanations, actions and the escalation step. The "
        "same content on screen and as PDF.",
    },
    "decision_snapshot": {
        "nl": "KPI-waarden waarop dit besluit rustte ({quarter})",
        "en": "KPI values this decision rested on ({quarter})",
    },
    "decision_no_snapshot": {
        "nl": "Bij dit besluit zijn geen KPI-waarden opgeslagen.",
        "en": "No KPI values were stored with this decision.",
    },
    "decision_proposal_accepted": {
        "nl": "Voorstel overgenomen: naar {step} ({reasons}).",
        "en": "Proposal accepted: to {step} ({reasons}).",
    },
    "decision_proposal_rejected": {
        "nl": "Voorstel afgewezen: naar {step} ({reasons}).",
        "en": "Proposal rejected: to {step} ({reasons}).",
    },
    "decision_proposal_other": {
        "nl": "Er lag een voorstel: naar {step} ({reasons}).",
        "en": "There was a proposal: to {step} ({reasons}).",
    },
    "escalation_answer_help": {
        "nl": "Neem een voorstel over of wijs het af, met een reden. Een afgewezen voorstel "
        "komt pas terug als de feiten veranderen.",
        "en": "Accept or reject a proposal, with a reason. A rejected proposal only comes back "
        "when its facts change.",
    },
    "escalation_proposal_row": {
        "nl": "**{name}**: {current} → {proposed}. {reasons}",
        "en": "**{name}**: {current} → {proposed}. {reasons}",
    },
    # Its own label per proposal (not the decision form's "Reden"): screen readers and people
    # tell the fields apart.
    "escalation_answer_reason": {
        "nl": "Reden van het antwoord aan {name} (verplicht)",
        "en": "Reason for the answer to {name} (required)",
    },
    "escalation_accept": {"nl": "Voorstel overnemen", "en": "Accept proposal"},
    "escalation_reject": {"nl": "Voorstel afwijzen", "en": "Reject proposal"},
    "escalation_accepted": {
        "nl": "Voorstel overgenomen: {name} staat nu op {step}.",
        "en": "Proposal accepted: {name} is now at {step}.",
    },
    "escalation_rejected": {
        "nl": "Voorstel afgewezen: {name} blijft op de huidige stap (voorstel was {step}).",
        "en": "Proposal rejected: {name} stays at the current step (proposed {step}).",
    },
    "escalation_rejected_list": {
        "nl": "Afgewezen voorstellen op ongewijzigde feiten ({count})",
        "en": "Rejected proposals whose facts did not change ({count})",
    },
    "escalation_agreements": {
        "nl": "Prestatieafspraken en voortgang",
        "en": "Performance agreements and progress",
    },
    "escalation_contract_manager": {"nl": "Accounthouder", "en": "Contract manager"},
    "escalation_unassigned": {"nl": "nog niet toegewezen", "en": "not assigned yet"},
    "mirror_loop_heading": {
        "nl": "Uw stap, afspraken en toelichtingen",
        "en": "Your step, agreements and explanations",
    },
    "mirror_explanations": {"nl": "Toelichtingen bij {quarter}", "en": "Explanations of {quarter}"},
    "chart_agreed_path": {"nl": "Afgesproken pad", "en": "Agreed path"},
    "chart_milestones": {"nl": "Tussendoelen en doel", "en": "Milestones and target"},
    "login_username": {"nl": "Gebruikersnaam", "en": "Username"},
    "login_password": {"nl": "Wachtwoord", "en": "Password"},
    "login_button": {"nl": "Inloggen", "en": "Log in"},
    "logout_button": {"nl": "Uitloggen", "en": "Log out"},
    "login_failed": {
        "nl": "Gebruikersnaam of wachtwoord klopt niet.",
        "en": "Username or password is incorrect.",
    },
    "login_locked": {
        "nl": "Te veel mislukte pogingen: dit account is geblokkeerd tot {until}.",
        "en": "Too many failed attempts: this account is locked until {until}.",
    },
    "login_timed_out": {
        "nl": "Je sessie is verlopen; log opnieuw in.",
        "en": "Your session has expired; please log in again.",
    },
    "logged_in_as": {"nl": "Ingelogd als {name} ({role})", "en": "Logged in as {name} ({role})"},
    "login_session_ended": {
        "nl": "Je sessie is beëindigd (uitgelogd op een andere plek, of je account is gewijzigd); "
        "log opnieuw in.",
        "en": "Your session was ended (logged out elsewhere, or your account was changed); "
        "please log in again.",
    },
    "logout_everywhere_button": {"nl": "Overal uitloggen", "en": "Log out everywhere"},
    "logout_everywhere_help": {
        "nl": "Beëindigt al je sessies, ook in andere browsers en op andere apparaten.",
        "en": "Ends all your sessions, also in other browsers and on other devices.",
    },
    "admin_end_sessions": {
        "nl": "Sessies van een gebruiker beëindigen",
        "en": "End a user's sessions",
    },
    "admin_end_sessions_help": {
        "nl": "Logt de gebruiker overal uit (bijvoorbeeld bij een verloren laptop). Een wijziging "
        "van rol, AGB-codes, wachtwoord of actief doet dit ook.",
        "en": "Logs the user out everywhere (for instance after a lost laptop). Changing the "
        "role, AGB codes, password or active does this too.",
    },
    "admin_end_sessions_button": {"nl": "Overal uitloggen", "en": "Log out everywhere"},
    "admin_end_sessions_done": {
        "nl": "Alle sessies van {username} zijn beëindigd.",
        "en": "All sessions of {username} have been ended.",
    },
    "role_provider": {"nl": "aanbieder", "en": "provider"},
    "role_contract_manager": {"nl": "accounthouder", "en": "contract manager"},
    "role_management": {"nl": "management", "en": "management"},
    "role_admin": {"nl": "beheerder", "en": "administrator"},
    # ---- municipality page and role, board report (issue 17) ---------------------------------
    "role_municipality": {"nl": "gemeente", "en": "municipality"},
    "page_municipality": {"nl": "Gemeente", "en": "Municipality"},
    "chart_region": {"nl": "Regio", "en": "Region"},
    "chart_inflow": {"nl": "Instroom", "en": "Inflow"},
    "chart_outflow": {"nl": "Uitstroom", "en": "Outflow"},
    "chart_clients": {"nl": "Cliënten", "en": "Clients"},
    "municipality_none": {
        "nl": "Er is geen gemeente aan dit account gekoppeld. Vraag de beheerder om de "
        "gemeentecode toe te voegen.",
        "en": "No municipality is linked to this account. Ask the administrator to add the "
        "municipality code.",
    },
    "municipality_not_available": {
        "nl": "Die gemeente is voor dit account niet beschikbaar; de eerste eigen gemeente wordt "
        "getoond.",
        "en": "That municipality is not available to this account; the first own municipality "
        "is shown.",
    },
    "municipality_caption": {
        "nl": "{name} ({code}): cliënten van alle aanbieders uit de populatie-aanleveringen, "
        "kwartaal {quarter}. Cliënten = begin kwartaal + instroom.",
        "en": "{name} ({code}): clients of every provider from the population deliveries, "
        "quarter {quarter}. Clients = start of quarter + inflow.",
    },
    "municipality_population_only": {
        "nl": "Aanbieders leveren alleen de populatie per gemeente aan. Resultaten en aanbod "
        "({kpis}) leveren zij per aanbieder aan, niet per gemeente: die staan daarom niet op "
        "deze pagina.",
        "en": "Providers deliver only the population per municipality. Results and offer "
        "({kpis}) are delivered per provider, not per municipality, so they are not on this "
        "page.",
    },
    "municipality_index_help": {
        "nl": "Tegen de eigen nulmeting van {name}: het gemiddelde kwartaal van {year} "
        "({baseline} cliënten).",
        "en": "Against {name}'s own baseline: the average quarter of {year} ({baseline} clients).",
    },
    "municipality_merged": {
        "nl": "De cliënten van {codes} (per {date} opgegaan in {name}) tellen mee voor {name}.",
        "en": "The clients of {codes} (merged into {name} on {date}) count for {name}.",
    },
    "municipality_index_metric": {"nl": "{name} in {quarter}", "en": "{name} in {quarter}"},
    "municipality_vs_region": {"nl": "regio {value}", "en": "region {value}"},
    "municipality_comparison": {
        "nl": "{name} naast de regio ({quarter})",
        "en": "{name} next to the region ({quarter})",
    },
    "municipality_measure_clients": {"nl": "Cliënten in zorg", "en": "Clients in care"},
    "municipality_measure_inflow": {"nl": "Instroom", "en": "Inflow"},
    "municipality_measure_outflow": {"nl": "Uitstroom", "en": "Outflow"},
    "municipality_care_forms": {"nl": "Cliënten per zorgvorm", "en": "Clients by care form"},
    "municipality_age_group": {"nl": "Leeftijdsgroep", "en": "Age group"},
    "municipality_all_ages": {"nl": "alle leeftijden", "en": "all ages"},
    "municipality_flow": {"nl": "Instroom en uitstroom", "en": "Inflow and outflow"},
    "municipality_ratio": {"nl": "Verhouding ambulant/bed", "en": "Ambulant/bed ratio"},
    "municipality_providers": {
        "nl": "Aanbieders die {name} bedienen ({quarter})",
        "en": "Providers serving {name} ({quarter})",
    },
    "municipality_providers_caption": {
        "nl": "Aandeel = cliënten van de aanbieder uit {name} gedeeld door alle cliënten uit "
        "{name} ({total}).",
        "en": "Share = the provider's clients from {name} divided by all clients from {name} "
        "({total}).",
    },
    "municipality_providers_suppressed": {
        "nl": "{count} aanbieder(s) met cliënten: minder dan {minimum}. Cijfers per aanbieder "
        "worden dan niet getoond, zodat niemand de cijfers van één aanbieder kan afleiden "
        "(dezelfde regel als in het spiegelrapport).",
        "en": "{count} provider(s) with clients: fewer than {minimum}. Figures per provider are "
        "then not shown, so that nobody can derive one provider's figures (the same rule as in "
        "the mirror report).",
    },
    "municipality_no_data": {
        "nl": "Nog geen populatiegegevens voor {name}.",
        "en": "No population data for {name} yet.",
    },
    "municipality_region_note": {
        "nl": "De regio is de optelsom van alle gemeenten en aanbieders (alleen getoond als er "
        "minstens {minimum} aanbieders in zitten).",
        "en": "The region is the sum over every municipality and provider (shown only when at "
        "least {minimum} providers are in it).",
    },
    "overview_municipality_scope": {
        "nl": "Dit overzicht gaat over {names}: de populatie van alle aanbieders in deze "
        "gemeente(n), tegen de eigen nulmeting.",
        "en": "This overview covers {names}: the population of every provider in these "
        "municipalities, against their own baseline.",
    },
    "overview_headline_municipality": {
        "nl": "Kern-KPI's van {names} ({quarter})",
        "en": "Headline KPIs of {names} ({quarter})",
    },
    "overview_providers_suppressed": {
        "nl": "Minder dan {minimum} aanbieders: bijdragen per aanbieder worden niet getoond "
        "(dezelfde regel als in het spiegelrapport).",
        "en": "Fewer than {minimum} providers: contributions per provider are not shown (the "
        "same rule as in the mirror report).",
    },
    "board_title": {
        "nl": "Bestuursrapportage jeugdhulp regio Rijnmond — {quarter}",
        "en": "Management report youth care region Rijnmond — {quarter}",
    },
    "board_footer": {
        "nl": "kwartaal {quarter} · gegevens t/m {latest}, stand {accepted} · dataversie {version}",
        "en": "quarter {quarter} · data up to {latest}, as of {accepted} · data version {version}",
    },
    "board_filters_region": {
        "nl": "Filters: hele regio ({municipalities} gemeenten), alle aanbieders",
        "en": "Filters: whole region ({municipalities} municipalities), all providers",
    },
    "board_filters_municipalities": {
        "nl": "Filters: per gemeente, alle aanbieders; {index} tegen de eigen nulmeting 2022",
        "en": "Filters: per municipality, all providers; {index} against its own 2022 baseline",
    },
    "board_cover": {
        "nl": "De regio in kwartaal {quarter}: doel, gemeenten, aanbieders",
        "en": "The region in quarter {quarter}: target, municipalities, providers",
    },
    "board_key": {"nl": "Onderwerp", "en": "Item"},
    "board_value": {"nl": "Waarde", "en": "Value"},
    "board_data_until": {"nl": "Gegevens tot en met", "en": "Data up to"},
    "board_accepted": {
        "nl": "Laatste aanlevering geaccepteerd op",
        "en": "Last delivery accepted on",
    },
    "board_scope": {"nl": "Reikwijdte", "en": "Scope"},
    "board_made": {"nl": "Gemaakt op", "en": "Made on"},
    "board_contents": {"nl": "Inhoud", "en": "Contents"},
    "board_slide_target": {
        "nl": "Het 30%-doel: kortdurend verblijf en pleegzorg/gezinshuizen",
        "en": "The 30% target: short residential and foster/family homes",
    },
    "board_slide_follow_up": {"nl": "Vervolgdoel", "en": "Follow-up target"},
    "board_slide_municipalities": {
        "nl": "De gemeenten naast elkaar",
        "en": "The municipalities side by side",
    },
    "board_slide_categories": {"nl": "KPI's per categorie", "en": "KPIs by category"},
    "board_slide_escalation": {"nl": "Escalatieladder", "en": "Escalation ladder"},
    "board_slide_timeliness": {
        "nl": "Tijdigheid van de aanleveringen",
        "en": "Delivery timeliness",
    },
    "board_target": {"nl": "Doel in {quarter}", "en": "Target in {quarter}"},
    "board_latest": {"nl": "Realisatie {quarter}", "en": "Realised {quarter}"},
    "board_projected": {
        "nl": "Prognose bij het (vervolg)doel",
        "en": "Projection at the (follow-up) target",
    },
    "board_index": {"nl": "Index", "en": "Index"},
    "board_first_target": {"nl": "Doel", "en": "Target"},
    "board_value_at_target": {"nl": "Stand op doeldatum", "en": "At the target date"},
    "board_status": {"nl": "Status", "en": "Status"},
    "board_follow_up_target": {"nl": "Vervolgdoel", "en": "Follow-up target"},
    "board_follow_up_status": {"nl": "Op koers vervolgdoel", "en": "Follow-up on track"},
    "board_no_follow_up_short": {"nl": "nog niet vastgesteld", "en": "not set yet"},
    "board_no_follow_up": {
        "nl": "De regio heeft na {quarter} nog geen vervolgdoel vastgesteld. Het vervolgdoel "
        "wordt ingesteld in de configuratie ([target.follow_up]); daarna toont dit rapport het "
        "doelpad en of de regio op koers ligt.",
        "en": "The region has not set a follow-up target after {quarter} yet. It is set in the "
        "configuration ([target.follow_up]); this report then shows its path and whether the "
        "region is on track.",
    },
    "board_municipalities_title": {
        "nl": "Gemeenten naast elkaar: {index}",
        "en": "Municipalities side by side: {index}",
    },
    "board_small_multiples": {
        "nl": "{index} per gemeente tegen de eigen nulmeting (grijs 1,0; groen gestippeld: doel)",
        "en": "{index} per municipality against its own baseline (grey 1.0; dashed green: target)",
    },
    "board_municipalities_table": {
        "nl": "Gemeenten in {quarter}",
        "en": "Municipalities in {quarter}",
    },
    "board_short_clients": {
        "nl": "Cliënten kortdurend verblijf",
        "en": "Clients short residential",
    },
    "board_municipalities_note": {
        "nl": "Indexen tegen de eigen nulmeting (gemiddeld kwartaal 2022); cliënten van Brielle, "
        "Hellevoetsluis en Westvoorne tellen mee voor Voorne aan Zee. Alleen de populatie wordt "
        "per gemeente aangeleverd.",
        "en": "Indexes against each municipality's own baseline (average quarter of 2022); "
        "clients of Brielle, Hellevoetsluis and Westvoorne count for Voorne aan Zee. Only the "
        "population is delivered per municipality.",
    },
    "board_category": {"nl": "Categorie {category}", "en": "Category {category}"},
    "board_categories_note": {
        "nl": "Kwartaal {quarter}; waarden over alle aanbieders van de categorie (eerst "
        "optellen, dan delen), status volgens de norm van de categorie.",
        "en": "Quarter {quarter}; values over every provider of the category (sums first, then "
        "divided), status by the category's norm.",
    },
    "board_steps_chart": {
        "nl": "Aanbieders per stap, eind {quarter}",
        "en": "Providers per step, end of {quarter}",
    },
    "board_changes": {
        "nl": "Besluiten in {quarter}: {count}",
        "en": "Decisions in {quarter}: {count}",
    },
    "board_no_changes": {
        "nl": "Geen stapwijzigingen in dit kwartaal.",
        "en": "No step changes in this quarter.",
    },
    "board_proposals": {
        "nl": "Open voorstellen van de regels ({quarter}): {up} omhoog, {down} omlaag.",
        "en": "Open proposals by the rules ({quarter}): {up} up, {down} down.",
    },
    "board_timeliness_chart": {
        "nl": "Aandeel op tijd compleet per kwartaal",
        "en": "Share complete on time per quarter",
    },
    "board_timeliness_quarter": {"nl": "Kwartaal {quarter}", "en": "Quarter {quarter}"},
    "board_providers": {"nl": "Aanbieders", "en": "Providers"},
    "board_timeliness_note": {
        "nl": "Op tijd = alle drie de tabellen geaccepteerd binnen de termijn na kwartaaleinde.",
        "en": "On time = all three tables accepted within the deadline after quarter end.",
    },
    "board_pptx_ready": {"nl": "PowerPoint downloaden", "en": "Download PowerPoint"},
    "board_on_steps": {"nl": "Aanbieders boven stap 0", "en": "Providers above step 0"},
    "board_button": {
        "nl": "Bestuursrapportage maken (PDF)",
        "en": "Make the management report (PDF)",
    },
    "board_pptx_button": {
        "nl": "Bestuursrapportage maken (PowerPoint)",
        "en": "Make the management report (PowerPoint)",
    },
    "admin_user_municipalities": {
        "nl": "Gemeenten (alleen voor de rol gemeente)",
        "en": "Municipalities (municipality role only)",
    },
}


def text(key: str, lang: str = DEFAULT_LANGUAGE, /, **fields: object) -> str:
    """The text for `key` in `lang`, with its fields filled in."""
    entry = TEXTS[key]
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return template.format(**fields) if fields else template


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# Column headers of the tables the app shows and exports: data name -> (Dutch, English).
# Kept in this one table and added to TEXTS as `column_<name>`.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "provider_agb": ("AGB", "AGB"),
    "name": ("Naam", "Name"),
    "category": ("Categorie", "Category"),
    "lot": ("Perceel", "Lot"),
    "quarter": ("Kwartaal", "Quarter"),
    "kpi": ("KPI", "KPI"),
    "numerator": ("Teller", "Numerator"),
    "denominator": ("Noemer", "Denominator"),
    "value": ("Waarde", "Value"),
    "status": ("Status", "Status"),
    "norm": ("Norm", "Norm"),
    "delta": ("Verschil", "Change"),
    "table_name": ("Tabel", "Table"),
    "version": ("Versie", "Version"),
    "accepted_at": ("Geaccepteerd op", "Accepted at"),
    "received_by": ("Aangeleverd door", "Delivered by"),
    "source": ("Via", "Via"),
    "file_name": ("Bestand", "File"),
    "row_count": ("Rijen", "Rows"),
    "file_sha256": ("SHA-256", "SHA-256"),
    "delivery_id": ("Ontvangstbewijs", "Receipt"),
    "warnings": ("Waarschuwingen", "Warnings"),
    "tables": ("Tabellen", "Tables"),
    "last_accepted": ("Laatst geaccepteerd", "Last accepted"),
    "municipality_code": ("Gemeente", "Municipality"),
    "municipality_name": ("Gemeente", "Municipality"),
    "care_form": ("Zorgvorm", "Care form"),
    "age_group": ("Leeftijdsgroep", "Age group"),
    "clients_start": ("Cliënten begin", "Clients at start"),
    "inflow": ("Instroom", "Inflow"),
    "outflow": ("Uitstroom", "Outflow"),
    "clients_end": ("Cliënten eind", "Clients at end"),
    "places": ("Plaatsen", "Places"),
    "fte_care": ("Fte zorg", "Care FTE"),
    "clients_waiting": ("Wachtend", "Waiting"),
    "trajectories_ended": ("Trajecten beëindigd", "Trajectories ended"),
    "ended_as_planned": ("Volgens plan", "As planned"),
    "goals_achieved": ("Doelen behaald", "Goals achieved"),
    "dropouts": ("Uitval", "Dropouts"),
    "satisfaction_respondents": ("Respondenten", "Respondents"),
    "satisfaction_positive": ("Tevreden", "Satisfied"),
    "intake_wait_n": ("Intake n", "Intake n"),
    "intake_wait_days_sum": ("Intake dagen", "Intake days"),
    "intake_wait_over_norm": ("Intake > norm", "Intake > norm"),
    "treatment_wait_n": ("Behandeling n", "Treatment n"),
    "treatment_wait_days_sum": ("Behandeling dagen", "Treatment days"),
    "treatment_wait_over_norm": ("Behandeling > norm", "Treatment > norm"),
    "stay_n": ("Verblijven", "Stays"),
    "stay_days_sum": ("Verblijfsdagen", "Days of stay"),
    "decided_at": ("Besloten op", "Decided at"),
    "decided_by": ("Door", "By"),
    "from_step_name": ("Van stap", "From step"),
    "to_step_name": ("Naar stap", "To step"),
    "reason": ("Reden", "Reason"),
    "agreed_actions": ("Afspraken", "Agreed actions"),
    "review_date": ("Reviewdatum", "Review date"),
    "event_id": ("Nr.", "No."),
    "occurred_at": ("Tijdstip", "Time"),
    "actor": ("Wie", "Who"),
    "action": ("Wat", "What"),
    "details": ("Details", "Details"),
    "clients": ("Cliënten", "Clients"),
    "baseline_clients": ("Nulmeting", "Baseline"),
    "target_path": ("Doelpad", "Target path"),
    "projection": ("Prognose", "Projection"),
    "projection_low": ("Prognose ondergrens (95%)", "Projection low (95%)"),
    "projection_high": ("Prognose bovengrens (95%)", "Projection high (95%)"),
    "contribution": ("Bijdrage (indexpunten)", "Contribution (index points)"),
    "change": ("Verandering", "Change"),
    "share_of_change": ("Aandeel in verandering", "Share of change"),
    "tables_delivered": ("Aangeleverd", "Delivered"),
    "completed_at": ("Compleet op", "Complete at"),
    "days_late": ("Dagen te laat", "Days late"),
    "deadline": ("Deadline", "Deadline"),
    "complete": ("Op tijd", "On time"),
    "late": ("Te laat", "Late"),
    "incomplete": ("Onvolledig", "Incomplete"),
    "missing": ("Ontbreekt", "Missing"),
    "pending": ("Nog open", "Not yet due"),
    "on_time_share": ("Aandeel op tijd", "Share on time"),
    "quarters_due": ("Kwartalen verplicht", "Quarters due"),
    "on_time": ("Op tijd", "On time"),
    "overdue": ("Achterstallig", "Overdue"),
    "username": ("Gebruikersnaam", "Username"),
    "display_name": ("Weergavenaam", "Display name"),
    "role": ("Rol", "Role"),
    "provider_agbs": ("AGB-codes", "AGB codes"),
    "active": ("Actief", "Active"),
    "changed_at": ("Gewijzigd op", "Changed at"),
    "changed_by": ("Gewijzigd door", "Changed by"),
    "registered_at": ("Vastgelegd op", "Recorded at"),
    "registered_by": ("Vastgelegd door", "Recorded by"),
    "contract_start": ("Contract vanaf", "Contract from"),
    "contract_end": ("Contract tot", "Contract until"),
    "norm_green": ("Norm groen", "Green norm"),
    "norm_amber": ("Norm oranje", "Amber norm"),
    "norm_valid_from": ("Norm geldig vanaf", "Norm valid from"),
    "norm_source": ("Bron norm", "Norm source"),
    "direction": ("Beter is", "Better is"),
    "green": ("Groen", "Green"),
    "amber": ("Oranje", "Amber"),
    "valid_from": ("Geldig vanaf", "Valid from"),
    "change_id": ("Wijziging", "Change"),
    "spc_centre": ("Gemiddelde", "Mean"),
    "spc_lcl": ("Ondergrens", "Lower limit"),
    "spc_ucl": ("Bovengrens", "Upper limit"),
    "spc_signal": ("Signaal", "Signal"),
    "spc_rule": ("Regel", "Rule"),
    "variation": ("Variatie", "Variation"),
    "assurance": ("Zekerheid norm", "Assurance"),
    "spc_baseline": ("Basisperiode", "Baseline"),
    "category_value": ("Categorie (anderen)", "Category (others)"),
    "region_value": ("Regio (anderen)", "Region (others)"),
    "category_providers": ("Aanbieders categorie", "Providers in category"),
    "region_providers": ("Aanbieders regio", "Providers in region"),
    "category_suppressed": ("Categorie niet getoond", "Category not shown"),
    "region_suppressed": ("Regio niet getoond", "Region not shown"),
    "title": ("Afspraak", "Agreement"),
    "agreement_measure": ("Maat", "Measure"),
    "agreement_target": ("Doel", "Target"),
    "agreement_deadline": ("Deadline", "Deadline"),
    "agreement_latest": ("Laatste waarde", "Latest value"),
    "agreement_status": ("Voortgang", "Progress"),
    "agreement_statement": ("Toelichting voortgang", "Progress in words"),
    "recorded_at": ("Vastgelegd op", "Recorded at"),
    "recorded_by": ("Vastgelegd door", "Recorded by"),
    "state": ("Stand", "State"),
    "target_value": ("Streefwaarde", "Target value"),
    "start_quarter": ("Start", "Start"),
    "deadline_quarter": ("Deadline", "Deadline"),
    "milestones": ("Tussendoelen", "Milestones"),
    "note": ("Waarom", "Why"),
    "explanation_subject": ("Onderwerp", "Subject"),
    "explanation_text": ("Toelichting", "Explanation"),
    "explanation_conversation": ("Toelichting en reacties", "Explanation and replies"),
    "explanation_state": ("Stand", "State"),
    "category_suppression": ("Reden categorie niet getoond", "Why category not shown"),
    "region_suppression": ("Reden regio niet getoond", "Why region not shown"),
    "category_numerator": ("Teller categorie", "Category numerator"),
    "category_denominator": ("Noemer categorie", "Category denominator"),
    "region_numerator": ("Teller regio", "Region numerator"),
    "region_denominator": ("Noemer regio", "Region denominator"),
    "category_rank": ("Positie in categorie", "Position in category"),
    "category_ranked": ("Aanbieders gerangschikt", "Providers ranked"),
    "category_quartile": ("Kwartiel", "Quartile"),
    "municipality_codes": ("Gemeentecodes", "Municipality codes"),
    "municipality": ("Gemeente", "Municipality"),
    "region": ("Regio", "Region"),
    "measure": ("Maat", "Measure"),
    "share": ("Aandeel", "Share"),
    "region_clients": ("Cliënten regio", "Clients region"),
    "region_inflow": ("Instroom regio", "Inflow region"),
    "region_outflow": ("Uitstroom regio", "Outflow region"),
    "unit": ("Eenheid", "Unit"),
    "step_name": ("Huidige stap", "Current step"),
    "contract_manager": ("Contractmanager", "Contract manager"),
    "proposed_step_name": ("Voorgestelde stap", "Proposed step"),
    "reasons": ("Redenen", "Reasons"),
    "reason_texts": ("Redenen", "Reasons"),
    "due_date": ("Review uiterlijk", "Review due"),
    "overdue_text": ("Te laat", "Overdue"),
    "previous_value": ("Vorig kwartaal", "Previous quarter"),
    "previous_status": ("Status vorig kwartaal", "Previous status"),
    "delta_direction": ("Richting", "Direction"),
    "spc_outside": ("Buiten de grenzen", "Outside the limits"),
    "spc_run": ("Reeks aan één kant", "Run on one side"),
    "index": ("Index", "Index"),
    "statement": ("Conclusie", "Statement"),
    "min_n": ("Minimaal 10", "At least 10"),
}
for _column, (_dutch, _english) in COLUMN_LABELS.items():
    TEXTS[f"column_{_column}"] = {"nl": _dutch, "en": _english}


def column_label(column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The header users read for a data column (the name itself when it has no label)."""
    entry = TEXTS.get(f"column_{column}")
    return entry.get(lang, entry[DEFAULT_LANGUAGE]) if entry else column
