// Every text the desktop shows, one table per language: English and Norwegian (bokmål).
// The Norwegian words follow the seed user guide where it has them (Tilgjengelig, Ledig, Vent,
// Gjenoppta, Samtale på vent, Konsultasjon forespurt, Stans opptak, Godkjenn <n> forespørsler…).
//
// A text is a string, or a function of its parameters. `t(key, …params)` looks a key up in the
// chosen language, then in English. Static texts in index.html carry `data-i18n` (text),
// `data-i18n-label` (aria-label) or `data-i18n-title` (title) and are filled by `translatePage`.
// Texts that come from the server (its error messages, the organisation's idle and wrap-up reason
// labels, variable labels) are shown as the server sends them.

/// The languages, in the language switch's order, each named in itself.
export const LANGUAGES = { en: "English", nb: "Norsk (bokmål)" };

/** @typedef {string | ((...params: any[]) => any)} Text */

/**
 * The entry of a small table by a code from the server (a channel, a kind, a problem).
 * @param {Record<string, string>} table
 * @param {string} key
 * @returns {string | undefined}
 */
const pick = (table, key) => table[key];

/** @type {Record<string, Text>} */
const en = {
  language: "Language",
  loading: "Loading…",
  offline: "Offline: reconnecting to Sentral… What you see may be out of date.",
  dismiss: "Dismiss",
  dismissMessage: "Dismiss message",
  changeState: "Change state",
  stationLogout: "Log out of station",
  signOut: "Sign out",
  demoPhones: "Demo phones",
  phoneRegistered: "Phone registered",
  phoneNotRegistered: "Phone not registered",
  phoneRegisteredTitle: (ext) => `The phone at extension ${ext} is registered`,
  phoneNotRegisteredTitle: (ext) => `The phone at extension ${ext} is not registered`,
  phoneHelp: (ext) => `No calls can reach you: the phone at extension ${ext} is not registered with Sentral. Switch on your desk phone or softphone and sign it in as ${ext}; this notice goes away by itself when it registers.`,
  stationText: (team, ext) => `${team} · ext. ${ext}`,
  stateAvailable: "Available",
  stateIdle: "Idle",
  stateRona: "RONA",
  stateLoggedOut: "Logged out",
  stateEngaged: "Engaged",
  stateUnknown: "Unknown state",
  idleWithReason: (reason) => `Idle — ${reason}`,
  ronaChoose: "RONA — choose a state",
  stateRinging: "Ringing",
  stateTalking: "Talking",
  stateOnHold: "On hold",
  stateWrapup: "Wrap-up",
  timeInState: "Time in this state",

  signInTitle: "Sign in",
  userName: "User name",
  password: "Password",
  signIn: "Sign in",
  signInMissing: "Enter your user name and password.",
  signInWrong: "Wrong user name or password.",
  signInWait: (s) => `Too many failed sign-ins for this account: wait ${s} s, then try again.`,
  signInAgain: "You can try again now.",
  stationTitle: "Log in to your station",
  stationHint: "Choose the team you work in today and the extension of the phone you answer calls on.",
  team: "Team",
  extension: "Extension",
  logIn: "Log in",
  extensionMissing: "Enter the extension of your phone.",
  extensionInUse: (ext, name) => `Extension ${ext} is in use by ${name}. Choose your own phone, or ask ${name} to log out of the station.`,
  extensionInUseColleague: (ext) => `Extension ${ext} is in use by a colleague. Choose your own phone, or ask them to log out of the station.`,
  extensionNotYours: (ext, own) => `Extension ${ext} is not one of your phones. Log in at ${own}.`,
  nonAgentTitle: "No agent desktop for this user",
  nonAgentBefore: "You are signed in as",
  nonAgentAfter: "The Agent Desktop is for agents; supervisors and administrators use the API (see",
  role: (role) => pick({ agent: "an agent", supervisor: "a supervisor", admin: "an administrator" }, role) ?? "a user",
  cannotLogOut: (why) => `Cannot log out: ${why}`,
  cannotLogOutOffer: "You cannot log out of the station while a call is offered to you.",
  cannotLogOutBusy: "You cannot log out of the station during a call or before the wrap-up is submitted.",
  cannotSignOutOffer: "You cannot sign out while a call is offered to you. Once the offer has ended, sign out again.",
  cannotSignOutBusy: "You cannot sign out during a call or before the wrap-up is submitted.",

  noTaskWaiting: "Waiting for a call. Calls are offered to you while you are Available.",
  noTaskIdle: "No interaction. Calls are offered to you only while you are Available.",
  noTaskWrapup: "Wrap-up pending: submit it to receive the next call.",
  noTaskRinging: "A call is offered to you: answer it on your phone.",
  noTaskRona: "You missed a call: choose Available or Idle to go on.",
  callData: "Call data",
  cadReadOnly: "Read-only while you are consulted.",
  save: "Save",
  reset: "Reset",
  copy: "Copy",
  copyLabel: (label) => `Copy ${label}`,
  copied: "Copied",
  notSaved: "Not saved",
  saved: "Saved",
  nothingToSave: "Nothing to save",
  resetDone: "Reset to the saved values",
  cadTooLong: (name, max) => `${name}: at most ${max} characters`,
  cadConflict: (winning) => `Not saved: another agent saved first. Their values: ${winning}. Your edits are still in the form: Save again to replace their values, or Reset to take theirs.`,
  cadConflictYou: (when, winning) => `Not saved: you saved other values first, in another tab or window, at ${when}. The values saved there: ${winning}. Your edits here are still in the form: Save again to replace those values, or Reset to take them.`,
  cadConflictColleague: (name, when, winning) => `Not saved: ${name} saved first, at ${when}. The values ${name} saved: ${winning}. Your edits are still in the form: Save again to replace those values, or Reset to take them.`,
  secureLoading: "Loading secure values…",
  secureValues: "Secure values",
  secure: "Secure",
  secureTitle: "Secure value, fetched separately",
  secureNotLoaded: "value not loaded",
  clickToRetry: "click to retry",
  cadLost: (edits) => `The call ended before your call-data edits were saved; they were not stored: ${edits}.`,
  unsavedTitle: "Unsaved call data",
  unsavedText: "You changed the call data without saving. Save the changes before the call ends?",
  unsavedStay: "Back to the call",
  unsavedDiscard: "End without saving",
  unsavedSave: "Save and end",

  offers: "Offers",
  stackRange: (first, last, total) => `${first}-${last} of ${total}`,
  stackPrevious: "Previous",
  stackNext: "Next",
  stackPreviousLabel: "Show the previous five requests",
  stackNextLabel: "Show the next five requests",
  acceptAll: (n) => `Accept ${n} requests`,
  accept: "Accept",
  connecting: "Connecting…",
  connectingText: (channel) => pick({
    voice: "A new call is being assigned to you.",
    chat: "A new chat is being assigned to you.",
    email: "A new e-mail is being assigned to you.",
    social: "A new social message is being assigned to you.",
  }, channel) ?? "A new contact request is being assigned to you.",
  consultRequest: "Consult request",
  contactRequest: "Contact request",
  requestTitle: (channel) => pick({ chat: "Chat request", email: "E-mail request", social: "Social message request" }, channel) ?? "Contact request",
  rowNumber: "Phone number",
  rowName: "Name",
  rowDnis: "DNIS",
  rowQueue: "Queue",
  rowCaller: "Caller",
  rowDialled: "Dialled number",
  cancelCallback: "Cancel callback",
  callingCustomer: "Calling the customer… Ringing",
  ringingAnswer: "Ringing — answer on your phone",
  waitingToRing: "Waiting for your phone to ring…",
  offeredBefore: "Offered ",
  offeredAfter: " ago",
  answerWithinBefore: "Answer within ",
  answerWithinAfter: " or the call goes back to the queue.",
  answerWithinAfterEnds: " or the call ends.",
  answerConsultWithinAfter: " or the consult request goes back to your colleague.",
  consultRingsBefore: "rings for ",
  consultRingsAfter: " more",
  acceptWithinBefore: "Accept within ",
  acceptWithinAfter: " or the request goes back to the queue.",
  ronaTitle: "Missed call (RONA)",
  ronaText: "The call was not answered in time and went back to the queue. You get no calls until you choose a state.",
  ronaTitleConsult: "Missed consult request (RONA)",
  ronaTextConsult: "You did not take the consult request: the colleague who asked goes on with the customer. You get no calls until you choose a state.",
  idleReason: "Idle reason",
  badge: (kind) => pick({ voice: "Call", callback: "Callback", chat: "Chat", email: "E-mail", social: "Social" }, kind) ?? "Call",
  kind: (kind) => pick({
    inbound: "Incoming call", outdial: "Outdial", courtesy_callback: "Courtesy callback",
    web_callback: "Web callback", preview_campaign: "Campaign call",
  }, kind),

  callOnHold: "Call on hold",
  consultRequested: "Consult requested",
  conference: "Conference",
  dialling: "Dialling",
  connected: "Connected",
  metaQueue: (queue) => `queue ${queue}`,
  metaTransferred: "transferred to you",
  metaTransferredFrom: (name) => `transferred from ${name}`,
  transferredCall: "Transferred call",
  transferredCallFrom: (name) => `Transferred call from ${name}`,
  metaDialled: (dnis) => `dialled ${dnis}`,
  customerCall: "Customer call",
  customer: "Customer",
  callTime: "Call time",
  resume: "Resume",
  hold: "Hold",
  consult: "Consult",
  transfer: "Transfer",
  end: "End",
  inConference: "In conference",
  consultOnHold: "Consult on hold",
  consulting: "Consulting",
  consultedAgent: "Consulted agent",
  consultingAgent: "the consulting agent",
  consultedParty: "Consulted party",
  resumeConsult: "Resume consult",
  holdConsult: "Hold consult",
  endConsult: "End consult",
  consultFrom: "from",
  consultFromWho: (name, dn, team) => `${name}${dn || team ? ` (${[dn ? `ext. ${dn}` : "", team].filter(Boolean).join(", ")})` : ""}`,
  consultTime: "Consult time",
  onHold: "On hold",
  leaveConference: "Leave conference",
  removeFromConference: "Remove from conference",
  holdCustomer: "Hold customer",
  customerNumber: (number) => `Customer ${number}`,
  earlierContacts: (n) => (n ? `Earlier contacts (${n})` : "No earlier contacts"),
  notRecorded: "Not recorded",
  recordingPaused: "Recording paused",
  recordingOn: "● Recording",
  resumesIn: " — resumes in ",
  notDuringConsult: "Not during a consult or conference",
  resumeRecording: "Resume recording",
  pauseRecording: "Pause recording",

  wrapup: "Wrap-up",
  wrapupHangUp: "Hang up your phone: the next call is offered only once the handset is down.",
  searchReasons: "Search reasons",
  wrapupReason: "Wrap-up reason",
  submitWrapup: "Submit wrap-up",
  afterWrapup: "After wrap-up",
  wrapupTime: "Time in wrap-up",
  reasonCode: "Reason code",
  wrapupAbout: (kind, number) => `${kind} with ${number}`,
  theCustomer: "the customer",
  call: "Call",

  refresh: "Refresh",
  refreshTitle: "Fetch the latest agents, queues, entry points, numbers and experts' presence",
  targetKind: "Target kind",
  tabAgent: "Agent",
  tabDest: "Queue / Entry point",
  tabDial: "Dial number",
  tabOrg: "Organisation",
  search: "Search",
  numberOrName: "Number or name",
  searchExperts: "Search by first name, role, department or full number",
  targets: "Targets",
  nothingFound: "Nothing found.",
  noAvailableAgent: "No Available agent found. Only Available agents can take a transfer.",
  cancel: "Cancel",
  queueWaiting: (n) => `Queue · ${n} waiting`,
  presence: (presence) => pick({ available: "Available", busy: "Busy", offline: "Offline" }, presence),
  entryPoint: (dn) => `Entry point · ${dn}`,
  willDialPicked: (number, label) => `Will dial ${number} (${label})`,
  willDial: (number, stripped) => `Will dial ${number}${stripped ? " (other characters removed)" : ""}`,
  cannotDial: (number, problem) => `Cannot dial ${number}: ${problem}`,
  dialProblem: (problem, n) => pick({
    no_digits: "no digits: a dial number holds 3 to 18 digits and only + # * :",
    plus_position: "+ is allowed only in front",
    digit_count: `${n} digits: a dial number holds 3 to 18 digits`,
  }, problem),
  dialHint: "Type a number (digits and + # * : are kept), or a name from the address book.",
  outdialOpen: "Call a number",
  outdialTitle: "Call a number",
  outdialCall: "Call",
  dialPad: "Dial pad",
  addressBook: "Address book",
  taskList: "Tasks",
  noTasks: "No contacts.",
  taskState: (state) => pick({
    talking: "Talking", on_hold: "On hold", dialling: "Dialling", ringing: "Ringing", consult_request: "Consult request", wrap_up: "Wrap-up",
  }, state) ?? "",
  listFailed: (why) => `The list could not be fetched: ${why}. Press Refresh to try again.`,

  unreachable: "Sentral cannot be reached; check the network and try again.",
  noAnswer: "Sentral did not answer",
  requestFailed: (status) => `Request failed (${status})`,
  callEndedInternalError: "This call was ended by an error in Sentral, not by you or the customer. You are free for the next call; the history records it. If the customer calls back, please apologise.",
  consultFailed: (cause) => `Consult failed: ${pick({
    NoAnswer: "the consulted party did not answer in time.",
    Busy: "the consulted party's phone is busy.",
    Unavailable: "the consulted party's phone is not available.",
    Declined: "the consulted party declined the call.",
  }, cause) ?? "the consulted party could not be reached."} The customer is on hold: Resume to talk to them.`,
  callLimit: (code, why) => `The organisation's call limit is reached (reason code ${code}): ${why}`,
  callLimitEvent: (code) => `The organisation's call limit is reached (reason code ${code}): no more calls can be made now.`,
  announceReserved: (channel) => `New ${/** @type {(kind: string) => string} */ (en.badge)(channel).toLowerCase()} contact request`,
  announceOffer: (title, vars) => `${title}: ${vars}`,
  announceConsult: "Consult request",
  announceWithdrawn: "The contact request was withdrawn",
  announceRona: "You did not answer in time: choose Available or Idle",
  // R44: a supervisor acted on the agent.
  supervisedIdle: (by, reason, note) => `Your supervisor ${by} set you to Idle (${reason})${note ? `: ${note}` : "."}`,
  supervisedLogOut: (by, note) => `Your supervisor ${by} logged you out of your station${note ? `: ${note}` : "."}`,
};

/** @type {Record<string, Text>} */
const nb = {
  language: "Språk",
  loading: "Laster…",
  offline: "Frakoblet: kobler til Sentral igjen… Det du ser, kan være utdatert.",
  dismiss: "Lukk",
  dismissMessage: "Lukk meldingen",
  changeState: "Endre status",
  stationLogout: "Forlat stasjonen",
  signOut: "Logg ut av Sentral",
  demoPhones: "Demotelefoner",
  phoneRegistered: "Telefonen er registrert",
  phoneNotRegistered: "Telefonen er ikke registrert",
  phoneRegisteredTitle: (ext) => `Telefonen med internnummer ${ext} er registrert`,
  phoneNotRegisteredTitle: (ext) => `Telefonen med internnummer ${ext} er ikke registrert`,
  phoneHelp: (ext) => `Ingen anrop kan nå deg: telefonen med internnummer ${ext} er ikke registrert i Sentral. Slå på bordtelefonen eller softphonen og logg den på som ${ext}; denne meldingen forsvinner av seg selv når den er registrert.`,
  stationText: (team, ext) => `${team} · internnr. ${ext}`,
  stateAvailable: "Tilgjengelig",
  stateIdle: "Ledig",
  stateRona: "RONA",
  stateLoggedOut: "Logget av",
  stateEngaged: "Opptatt",
  stateUnknown: "Ukjent status",
  idleWithReason: (reason) => `Ledig — ${reason}`,
  ronaChoose: "RONA — velg en status",
  stateRinging: "Ringer",
  stateTalking: "I samtale",
  stateOnHold: "På vent",
  stateWrapup: "Avslutning",
  timeInState: "Tid i denne statusen",

  signInTitle: "Logg på",
  userName: "Brukernavn",
  password: "Passord",
  signIn: "Logg på",
  signInMissing: "Skriv inn brukernavn og passord.",
  signInWrong: "Feil brukernavn eller passord.",
  signInWait: (s) => `For mange mislykkede pålogginger for denne kontoen: vent ${s} s og prøv igjen.`,
  signInAgain: "Du kan prøve igjen nå.",
  stationTitle: "Logg på stasjonen din",
  stationHint: "Velg teamet du jobber i i dag og internnummeret til telefonen du svarer på.",
  team: "Team",
  extension: "Internnummer",
  logIn: "Logg på stasjonen",
  extensionMissing: "Skriv inn internnummeret til telefonen din.",
  extensionInUse: (ext, name) => `Internnummer ${ext} er i bruk av ${name}. Velg din egen telefon, eller be ${name} logge av stasjonen.`,
  extensionInUseColleague: (ext) => `Internnummer ${ext} er i bruk av en kollega. Velg din egen telefon, eller be kollegaen logge av stasjonen.`,
  extensionNotYours: (ext, own) => `Internnummer ${ext} er ikke en av dine telefoner. Logg på med ${own}.`,
  nonAgentTitle: "Ingen agentskrivebord for denne brukeren",
  nonAgentBefore: "Du er logget på som",
  nonAgentAfter: "Agent Desktop er for agenter; ledere og administratorer bruker API-et (se",
  role: (role) => pick({ agent: "agent", supervisor: "leder", admin: "administrator" }, role) ?? "bruker",
  cannotLogOut: (why) => `Kan ikke logge av: ${why}`,
  cannotLogOutOffer: "Du kan ikke logge av stasjonen mens et anrop tilbys deg.",
  cannotLogOutBusy: "Du kan ikke logge av stasjonen under en samtale eller før avslutningen er sendt inn.",
  cannotSignOutOffer: "Du kan ikke logge ut mens et anrop tilbys deg. Logg ut igjen når tilbudet er over.",
  cannotSignOutBusy: "Du kan ikke logge ut under en samtale eller før avslutningen er sendt inn.",

  noTaskWaiting: "Venter på et anrop. Anrop tilbys deg mens du er Tilgjengelig.",
  noTaskIdle: "Ingen samhandling. Anrop tilbys deg bare mens du er Tilgjengelig.",
  noTaskWrapup: "Avslutning venter: send den inn for å få neste anrop.",
  noTaskRinging: "Du blir tilbudt et anrop: svar på telefonen.",
  noTaskRona: "Du gikk glipp av et anrop: velg Tilgjengelig eller Ledig for å fortsette.",
  callData: "Samtaledata",
  cadReadOnly: "Skrivebeskyttet mens du blir konsultert.",
  save: "Lagre",
  reset: "Tilbakestill",
  copy: "Kopier",
  copyLabel: (label) => `Kopier ${label}`,
  copied: "Kopiert",
  notSaved: "Ikke lagret",
  saved: "Lagret",
  nothingToSave: "Ingenting å lagre",
  resetDone: "Tilbakestilt til de lagrede verdiene",
  cadTooLong: (name, max) => `${name}: høyst ${max} tegn`,
  cadConflict: (winning) => `Ikke lagret: en annen agent lagret først. Deres verdier: ${winning}. Endringene dine står fortsatt i skjemaet: Lagre igjen for å erstatte verdiene deres, eller Tilbakestill for å ta deres.`,
  cadConflictYou: (when, winning) => `Ikke lagret: du lagret andre verdier først, i en annen fane eller et annet vindu, kl. ${when}. Verdiene som ble lagret der: ${winning}. Endringene dine her står fortsatt i skjemaet: Lagre igjen for å erstatte de verdiene, eller Tilbakestill for å ta dem.`,
  cadConflictColleague: (name, when, winning) => `Ikke lagret: ${name} lagret først, kl. ${when}. Verdiene ${name} lagret: ${winning}. Endringene dine står fortsatt i skjemaet: Lagre igjen for å erstatte de verdiene, eller Tilbakestill for å ta dem.`,
  secureLoading: "Henter sikre verdier…",
  secureValues: "Sikre verdier",
  secure: "Sikker",
  secureTitle: "Sikker verdi, hentet separat",
  secureNotLoaded: "verdien er ikke hentet",
  clickToRetry: "Klikk for å prøve på nytt",
  cadLost: (edits) => `Samtalen ble avsluttet før endringene i samtaledataene ble lagret; de ble ikke lagret: ${edits}.`,
  unsavedTitle: "Ulagrede samtaledata",
  unsavedText: "Du har endret samtaledataene uten å lagre. Vil du lagre endringene før samtalen avsluttes?",
  unsavedStay: "Tilbake til samtalen",
  unsavedDiscard: "Avslutt uten å lagre",
  unsavedSave: "Lagre og avslutt",

  offers: "Forespørsler",
  stackRange: (first, last, total) => `${first}-${last} av ${total}`,
  stackPrevious: "Forrige",
  stackNext: "Neste",
  stackPreviousLabel: "Vis de fem forrige forespørslene",
  stackNextLabel: "Vis de fem neste forespørslene",
  acceptAll: (n) => `Godkjenn ${n} forespørsler`,
  accept: "Godta",
  connecting: "Kobler til…",
  connectingText: (channel) => pick({
    voice: "Et nytt anrop blir tildelt deg.",
    chat: "En ny chat blir tildelt deg.",
    email: "En ny e-post blir tildelt deg.",
    social: "En ny melding fra sosiale medier blir tildelt deg.",
  }, channel) ?? "En ny kontaktforespørsel blir tildelt deg.",
  consultRequest: "Konsultasjonsforespørsel",
  contactRequest: "Kontaktforespørsel",
  requestTitle: (channel) => pick({ chat: "Chatforespørsel", email: "E-postforespørsel", social: "Forespørsel fra sosiale medier" }, channel) ?? "Kontaktforespørsel",
  rowNumber: "Telefonnummer",
  rowName: "Navn",
  rowDnis: "DNIS",
  rowQueue: "Kø",
  rowCaller: "Anroper",
  rowDialled: "Oppringt nummer",
  cancelCallback: "Avbryt tilbakeringing",
  callingCustomer: "Ringer kunden… Ringer",
  ringingAnswer: "Ringer — svar på telefonen",
  waitingToRing: "Venter på at telefonen skal ringe…",
  offeredBefore: "Tilbudt for ",
  offeredAfter: " siden",
  answerWithinBefore: "Svar innen ",
  answerWithinAfter: ", ellers går anropet tilbake til køen.",
  answerWithinAfterEnds: ", ellers avsluttes anropet.",
  answerConsultWithinAfter: ", ellers går konsultasjonsforespørselen tilbake til kollegaen din.",
  consultRingsBefore: "ringer i ",
  consultRingsAfter: " til",
  acceptWithinBefore: "Godta innen ",
  acceptWithinAfter: ", ellers går forespørselen tilbake til køen.",
  ronaTitle: "Tapt anrop (RONA)",
  ronaText: "Anropet ble ikke besvart i tide og gikk tilbake til køen. Du får ingen anrop før du velger en status.",
  ronaTitleConsult: "Tapt konsultasjonsforespørsel (RONA)",
  ronaTextConsult: "Du tok ikke konsultasjonsforespørselen: kollegaen som spurte, fortsetter med kunden. Du får ingen anrop før du velger en status.",
  idleReason: "Årsak til Ledig",
  badge: (kind) => pick({ voice: "Anrop", callback: "Tilbakeringing", chat: "Chat", email: "E-post", social: "Sosial" }, kind) ?? "Anrop",
  kind: (kind) => pick({
    inbound: "Innkommende anrop", outdial: "Oppringing", courtesy_callback: "Tilbakeringing",
    web_callback: "Webtilbakeringing", preview_campaign: "Kampanjeanrop",
  }, kind),

  callOnHold: "Samtale på vent",
  consultRequested: "Konsultasjon forespurt",
  conference: "Konferanse",
  dialling: "Ringer opp",
  connected: "Tilkoblet",
  metaQueue: (queue) => `kø ${queue}`,
  metaTransferred: "overført til deg",
  metaTransferredFrom: (name) => `overført fra ${name}`,
  transferredCall: "Overført anrop",
  transferredCallFrom: (name) => `Overført anrop fra ${name}`,
  metaDialled: (dnis) => `oppringt ${dnis}`,
  customerCall: "Kundesamtale",
  customer: "Kunde",
  callTime: "Samtaletid",
  resume: "Gjenoppta",
  hold: "Vent",
  consult: "Konsultasjon",
  transfer: "Overfør",
  end: "Avslutt",
  inConference: "I konferanse",
  consultOnHold: "Konsultasjon på vent",
  consulting: "Konsulterer",
  consultedAgent: "Konsultert agent",
  consultingAgent: "den konsulterende agenten",
  consultedParty: "Konsultert part",
  resumeConsult: "Gjenoppta konsultasjon",
  holdConsult: "Sett konsultasjon på vent",
  endConsult: "Avslutt konsultasjon",
  consultFrom: "fra",
  consultFromWho: (name, dn, team) => `${name}${dn || team ? ` (${[dn ? `internnr. ${dn}` : "", team].filter(Boolean).join(", ")})` : ""}`,
  consultTime: "Konsultasjonstid",
  onHold: "På vent",
  leaveConference: "Forlat konferansen",
  removeFromConference: "Fjern fra konferansen",
  holdCustomer: "Sett kunden på vent",
  customerNumber: (number) => `Kunde ${number}`,
  earlierContacts: (n) => (n ? `Tidligere kontakter (${n})` : "Ingen tidligere kontakter"),
  notRecorded: "Tas ikke opp",
  recordingPaused: "Opptak stanset",
  recordingOn: "● Opptak pågår",
  resumesIn: " — fortsetter om ",
  notDuringConsult: "Ikke under konsultasjon eller konferanse",
  resumeRecording: "Fortsett opptak",
  pauseRecording: "Stans opptak",

  wrapup: "Avslutning",
  wrapupHangUp: "Legg på telefonen: neste anrop tilbys først når røret er lagt på.",
  searchReasons: "Søk i årsaker",
  wrapupReason: "Avslutningsårsak",
  submitWrapup: "Send inn avslutning",
  afterWrapup: "Etter avslutning",
  wrapupTime: "Tid i avslutning",
  reasonCode: "Årsakskode",
  wrapupAbout: (kind, number) => `${kind} med ${number}`,
  theCustomer: "kunden",
  call: "Anrop",

  refresh: "Oppdater",
  refreshTitle: "Hent de nyeste agentene, køene, inngangspunktene, numrene og ekspertenes tilstedeværelse",
  targetKind: "Type mål",
  tabAgent: "Agent",
  tabDest: "Kø / inngangspunkt",
  tabDial: "Oppringingsnummer",
  tabOrg: "Organisasjon",
  search: "Søk",
  numberOrName: "Nummer eller navn",
  searchExperts: "Søk på fornavn, rolle, avdeling eller fullt nummer",
  targets: "Mål",
  nothingFound: "Ingen treff.",
  noAvailableAgent: "Ingen tilgjengelig agent funnet. Bare agenter som er Tilgjengelig, kan ta imot en overføring.",
  cancel: "Avbryt",
  queueWaiting: (n) => `Kø · ${n} venter`,
  presence: (presence) => pick({ available: "Tilgjengelig", busy: "Opptatt", offline: "Frakoblet" }, presence),
  entryPoint: (dn) => `Inngangspunkt · ${dn}`,
  willDialPicked: (number, label) => `Ringer ${number} (${label})`,
  willDial: (number, stripped) => `Ringer ${number}${stripped ? " (andre tegn er fjernet)" : ""}`,
  cannotDial: (number, problem) => `Kan ikke ringe ${number}: ${problem}`,
  dialProblem: (problem, n) => pick({
    no_digits: "ingen sifre: et oppringingsnummer har 3 til 18 sifre og bare + # * :",
    plus_position: "+ er bare tillatt først",
    digit_count: `${n} sifre: et oppringingsnummer har 3 til 18 sifre`,
  }, problem),
  dialHint: "Skriv et nummer (sifre og + # * : beholdes) eller et navn fra adresseboken.",
  outdialOpen: "Ring et nummer",
  outdialTitle: "Ring et nummer",
  outdialCall: "Ring",
  dialPad: "Tastatur",
  addressBook: "Adressebok",
  taskList: "Oppgaveliste",
  noTasks: "Ingen kontakter.",
  taskState: (state) => pick({
    talking: "I samtale", on_hold: "På vent", dialling: "Ringer opp", ringing: "Ringer", consult_request: "Konsultasjonsforespørsel", wrap_up: "Avslutning",
  }, state) ?? "",
  listFailed: (why) => `Listen kunne ikke hentes: ${why}. Trykk Oppdater for å prøve igjen.`,

  unreachable: "Sentral kan ikke nås; sjekk nettverket og prøv igjen.",
  noAnswer: "Sentral svarte ikke",
  requestFailed: (status) => `Forespørselen mislyktes (${status})`,
  callEndedInternalError: "Samtalen ble avsluttet av en feil i Sentral, ikke av deg eller kunden. Du er ledig for neste samtale; historikken viser det. Beklag gjerne hvis kunden ringer tilbake.",
  consultFailed: (cause) => `Konsultasjonen mislyktes: ${pick({
    NoAnswer: "den konsulterte svarte ikke i tide.",
    Busy: "den konsulterte sin telefon er opptatt.",
    Unavailable: "den konsulterte sin telefon er ikke tilgjengelig.",
    Declined: "den konsulterte avviste anropet.",
  }, cause) ?? "den konsulterte kunne ikke nås."} Kunden står på vent: trykk Gjenoppta for å snakke med kunden.`,
  callLimit: (code, why) => `Organisasjonens grense for samtidige anrop er nådd (årsakskode ${code}): ${why}`,
  callLimitEvent: (code) => `Organisasjonens grense for samtidige anrop er nådd (årsakskode ${code}): ingen flere anrop kan foretas nå.`,
  announceReserved: (channel) => `Ny kontaktforespørsel: ${/** @type {(kind: string) => string} */ (nb.badge)(channel).toLowerCase()}`,
  announceOffer: (title, vars) => `${title}: ${vars}`,
  announceConsult: "Konsultasjonsforespørsel",
  announceWithdrawn: "Kontaktforespørselen ble trukket tilbake",
  announceRona: "Du svarte ikke i tide: velg Tilgjengelig eller Ledig",
  supervisedIdle: (by, reason, note) => `Veilederen din ${by} satte deg til Ledig (${reason})${note ? `: ${note}` : "."}`,
  supervisedLogOut: (by, note) => `Veilederen din ${by} logget deg ut av stasjonen${note ? `: ${note}` : "."}`,
};

/// The tables, by language code (the keys of `LANGUAGES`).
/** @type {Record<string, Record<string, Text>>} */
export const TABLES = { en, nb };

const STORAGE_KEY = "sentral.language";
let current = "en";

/// The language to start in: the one the agent chose before, else the browser's preference.
export function pickLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored && TABLES[stored]) return stored;
  } catch { /* storage disabled: fall back to the browser */ }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (base === "nb" || base === "no" || base === "nn") return "nb";
    if (base === "en") return "en";
  }
  return "en";
}

/// Switches the language; `remember` keeps the choice in localStorage for the next visit.
/**
 * @param {string} language
 * @param {boolean} [remember]
 */
export function setLanguage(language, remember = false) {
  current = TABLES[language] ? language : "en";
  document.documentElement.lang = current;
  if (remember) {
    try { localStorage.setItem(STORAGE_KEY, current); } catch { /* not remembered */ }
  }
}

export function language() { return current; }

/// The language the agent chose in this browser, if they chose one.
export function rememberedLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored && TABLES[stored] ? stored : null;
  } catch { return null; }
}

/// A label from the configuration in the current language: the one given for this language,
/// else the one that serves every language.
/** @param {{ label: string, label_by_language?: Record<string, string> }} item */
export function labelOf(item) {
  return item.label_by_language?.[current] ?? item.label;
}

/// A call-data variable's label in the current language, from the definitions the server sent
/// (`GET /api/v1/agents/me`), else `fallback` (a popover's label, or the name).
/**
 * @param {{ name: string, label: string, label_by_language?: Record<string, string> }[] | undefined} definitions
 * @param {string} name
 * @param {string} fallback
 */
export function variableLabel(definitions, name, fallback) {
  const definition = definitions?.find((d) => d.name === name);
  return definition ? labelOf(definition) : fallback;
}

/// The text for `key` in the current language (English if it has none).
/**
 * @param {string} key
 * @param {...any} params
 */
export function t(key, ...params) {
  const text = TABLES[current][key] ?? en[key];
  if (text === undefined) return key;
  return typeof text === "function" ? text(...params) : text;
}

/// Fills the static texts of the page (`data-i18n`, `data-i18n-label`, `data-i18n-title`).
/** @param {ParentNode} [root] */
export function translatePage(root = document) {
  /** @param {string} selector */
  const all = (selector) => /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll(selector));
  for (const el of all("[data-i18n]")) el.textContent = t(el.dataset.i18n ?? "");
  for (const el of all("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel ?? ""));
  for (const el of all("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle ?? "");
}
