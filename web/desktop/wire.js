// The wire types: what the server sends and answers, as JSDoc typedefs checked by
// `tsc --checkJs` (tests/e2e/desktop/tsconfig.json). They mirror the server's DTOs in
// crates/server/src/dto.rs (the one place that chooses the wire format) and the answers of
// crates/server/src/api/; keep them in step when a DTO changes. The recorded event traces
// (tests/e2e/desktop/traces/) are what the server really sends, and the trace test fails when
// the server's events no longer have the shapes recorded there.
//
// This module has no code; import it for its types: `@typedef {import("./wire.js").TaskDto} TaskDto`.

/**
 * `voice`, `chat`, `email` or `social`.
 * @typedef {"voice" | "chat" | "email" | "social"} Channel
 */

/**
 * `logged_out`, `available`, `idle` or `rona`.
 * @typedef {"logged_out" | "available" | "idle" | "rona"} AgentStateName
 */

/**
 * A reason (idle or wrap-up): a code for the server, a label for people, in each language it was
 * configured in (empty when one label serves every language).
 * @typedef {{ code: string, label: string, label_by_language: Record<string, string> }} ReasonDto
 */

/**
 * A popover variable.
 * `flow_label`: the label is the one the entry point's flow chose (R9), shown as it is.
 * @typedef {{ name: string, label: string, value: string, flow_label: boolean }} VariableDto
 */

/**
 * Callback popover fields (R11).
 * @typedef {Object} CallbackDto
 * @property {string} label "Courtesy callback" or "Web callback".
 * @property {string} customer_number
 * @property {string | null} customer_name
 * @property {string | null} dnis
 * @property {string} queue
 */

/**
 * Recording state (R31, R32).
 * @typedef {{ state: "off" | "on" | "paused", resumes_at: number | null }} RecordingDto
 */

/**
 * Consult state (R18, R19).
 * @typedef {{ accepted: boolean, consulted_held: boolean, conference: boolean }} ConsultDto
 */

/**
 * A task as its participants see it (`GET /api/v1/tasks`).
 * @typedef {Object} TaskDto
 * @property {number} id
 * @property {Channel} channel
 * @property {string} kind `inbound`, `outdial`, `courtesy_callback`, `web_callback`, `preview_campaign`.
 * @property {string} phase `queued`, `offered`, `dialing`, `retry_wait`, `connected`, `transferring`, `ended`.
 * @property {number | null} queue
 * @property {string | null} customer_number
 * @property {string | null} dnis
 * @property {number | null} owner
 * @property {number | null} offered_to
 * @property {number | null} consulted
 * @property {ConsultDto | null} consult
 * @property {boolean} customer_held
 * @property {RecordingDto} recording
 * @property {Record<string, string>} variables
 * @property {number} variables_version
 * @property {number | null} connected_at
 * @property {AgentNameDto | null} transferred_by Who transferred it last (R27).
 * @property {number | null} offer_deadline While an agent's phone rings for it: when it stops (Unix ms, the server's clock; R7).
 * @property {number | null} offer_remaining_ms The same as the time left when the server answered (ms).
 * @property {"back_to_queue" | "ends" | null} if_unanswered While offered to an agent: what happens if they do not answer (R12, R28).
 */

/**
 * An agent by name: who transferred a call (R27).
 * @typedef {{ agent: number, name: string }} AgentNameDto
 */

/**
 * An agent's state (`AgentDto`).
 * @typedef {Object} AgentDto
 * @property {number} id
 * @property {string} name
 * @property {AgentStateName} state
 * @property {string | null} idle_reason
 * @property {string | null} team
 * @property {string | null} extension
 * @property {boolean} phone_registered
 * @property {number | null} task
 * @property {boolean} popover_shown
 * @property {number[]} wrapups
 * @property {AllowedActionsDto | null} allowed_actions What the team logged in to lets the agent do (R43); null when logged out.
 */

/**
 * A team's desktop profile (R43): the desktop leaves out the buttons of what is not allowed.
 * @typedef {Object} AllowedActionsDto
 * @property {boolean} consult
 * @property {boolean} transfer_to_dial_number
 * @property {boolean} pause_recording
 * @property {boolean} outdial
 * @property {boolean} transfer_to_entry_point
 */

/**
 * A CAD variable's definition, when the server sends them.
 * @typedef {Object} CadVariableDto
 * @property {string} name
 * @property {string} label
 * @property {Record<string, string>} label_by_language The label per language configured (empty: `label` serves every one).
 * @property {string} kind `text`, `number`, `boolean` or `date_time` (ISO 8601).
 * @property {boolean} editable
 * @property {boolean} secure
 */

/**
 * `GET /api/v1/agents/me`: the signed-in user and, for an agent, the agent.
 * @typedef {Object} MeDto
 * @property {string} username
 * @property {string} role `agent`, `supervisor` or `admin`.
 * @property {string} organisation
 * @property {AgentDto | null} agent
 * @property {string[]} teams
 * @property {ReasonDto[]} idle_reasons
 * @property {CadVariableDto[]} cad_variables
 * @property {string | null} language The desktop language the user chose (`en`, `nb`), on any browser.
 */

/**
 * The contact-request popover's content (R7, R9, R11).
 * @typedef {Object} OfferDto
 * @property {number} task
 * @property {Channel} channel
 * @property {string} kind
 * @property {VariableDto[]} variables 3 to 6, never secure (R9).
 * @property {CallbackDto | null} callback
 * @property {number} offered_at Unix ms.
 * @property {number} rona_timeout_ms
 * @property {AgentNameDto | null} transferred_by Who transferred the call to this agent (R27).
 * @property {LinkDto[]} links The entry point's links with this contact's values (R7).
 * @property {"back_to_queue" | "ends"} if_unanswered What happens to the call if it is not answered in time: back to its queue (R12), or it ends (a blind transfer the organisation drops, R28).
 */

/**
 * A link in the offer popover (R7): an `https:` address whose values are percent-encoded.
 * @typedef {Object} LinkDto
 * @property {string} label
 * @property {string} url
 */

/**
 * An expert of the organisation directory (`GET /api/v1/directory/experts`, R16). `presence` is
 * the work phone's when it is an extension on Sentral, read when the list is fetched; `null` for
 * an outside number.
 * @typedef {Object} ExpertDto
 * @property {number} id
 * @property {string} first_name
 * @property {string} last_name
 * @property {string} role
 * @property {string} department
 * @property {string} work_phone
 * @property {"available" | "busy" | "offline" | null} presence
 */

/**
 * A desktop event, tagged by `type` (`EventDto`).
 * @typedef {{ type: "agent_state", agent: number, state: AgentStateName, reason: string | null, at: number }
 *   | { type: "reserved", task: number, channel: Channel }
 *   | ({ type: "offer" } & OfferDto)
 *   | { type: "consult_offer", task: number, variables: VariableDto[], rona_timeout_ms: number | null }
 *   | { type: "ringing", task: number }
 *   | { type: "connected", task: number, at: number }
 *   | { type: "offer_withdrawn", task: number }
 *   | { type: "rona", task: number }
 *   | { type: "hold_changed", task: number, customer_held: boolean, consulted_held: boolean | null }
 *   | { type: "consult_requested", task: number, rona_timeout_ms: number | null }
 *   | { type: "consult_accepted", task: number }
 *   | { type: "consult_failed", task: number, reason: string }
 *   | { type: "consult_ended", task: number }
 *   | { type: "conference_started", task: number }
 *   | { type: "ownership_changed", task: number, owner: number | null }
 *   | { type: "variables_changed", task: number, version: number, values: Record<string, string> }
 *   | { type: "recording_changed", task: number, recording: RecordingDto }
 *   | { type: "callback_dialing", task: number, cancellable: boolean }
 *   | { type: "call_ended", task: number, reason: string }
 *   | { type: "wrap_up_required", task: number, reasons: ReasonDto[] }
 *   | { type: "wrap_up_done", task: number }
 *   | { type: "queue_changed", queue: number, waiting: number }
 *   | { type: "supervised", by: string, action: "idle" | "log_out", reason: string | null, note: string, at: number }
 *   | { type: "wallboard_queue", queue: WallboardQueueDto }
 *   | { type: "wallboard_agent", agent: WallboardAgentDto }
 *   | { type: "profile_changed", allowed_actions: AllowedActionsDto }
 *   | { type: "limit_reached", code: string }
 *   | { type: "reload", oldest: number }} EventDto
 */

/**
 * One message of the event WebSocket (`/api/v1/events[?since=<seq>]`): its sequence number, when
 * the server published it (Unix ms) and the event itself, flattened.
 * @typedef {EventDto & { seq: number, at_unix_ms: number }} EventEnvelope
 */

/**
 * One earlier contact of a task's customer (`GET /api/v1/tasks/{id}/history`).
 * @typedef {Object} CustomerContactDto
 * @property {number} id
 * @property {Channel} channel
 * @property {string} kind
 * @property {number} created_at Unix ms.
 * @property {number | null} ended_at
 * @property {ReasonDto[]} wrapups
 * @property {Record<string, string>} variables Never secure ones (R33).
 */

/**
 * A queue's wallboard targets: the service level's threshold and from when a cell is amber or
 * red (`null`: never) (R44).
 * @typedef {Object} QueueTargetsDto
 * @property {number} service_level_threshold_ms
 * @property {number | null} waiting_amber
 * @property {number | null} waiting_red
 * @property {number | null} wait_amber_ms
 * @property {number | null} wait_red_ms
 * @property {number | null} service_level_amber Percent; amber below it.
 * @property {number | null} service_level_red Percent; red below it.
 */

/**
 * A queue on the supervisor's wallboard (`WallboardQueueDto`, `GET /api/v1/supervisor/queues`
 * and the `wallboard_queue` event; R44, docs/supervisor.md defines each figure).
 * @typedef {Object} WallboardQueueDto
 * @property {number} id
 * @property {string} name
 * @property {Channel} channel
 * @property {string[]} teams Agents logged in to these teams serve it.
 * @property {number} waiting
 * @property {number | null} oldest_waiting_since Unix ms.
 * @property {number} day_start Unix ms: midnight in the organisation's time zone.
 * @property {number} offered
 * @property {number} answered
 * @property {number} answered_in_threshold
 * @property {number} abandoned
 * @property {number | null} service_level_percent
 * @property {number | null} handle_ms_average
 * @property {number} handled
 * @property {QueueTargetsDto} targets
 */

/**
 * One of an agent's current contacts on the wallboard.
 * @typedef {Object} WallboardContactDto
 * @property {number} task
 * @property {Channel} channel
 * @property {string | null} customer
 * @property {string} phase `offered`, `dialing`, `connected`, `held`, `consult`, `transferring` or `wrap_up`.
 * @property {number | null} since Unix ms.
 */

/**
 * An agent on the supervisor's wallboard (`WallboardAgentDto`, `GET /api/v1/supervisor/agents`
 * and the `wallboard_agent` event; R44).
 * @typedef {AgentDto & { state_since: number | null, teams: string[], contacts: WallboardContactDto[] }} WallboardAgentDto
 */

/**
 * An error answer's body.
 * @typedef {{ code?: string, message?: string, current?: CurrentVariables }} ErrorBody
 */

/**
 * R35: the call data now stored, in a `409` to a save based on an old version.
 * @typedef {Object} CurrentVariables
 * @property {number} version
 * @property {Record<string, string>} values Never secure ones (R33).
 * @property {Record<string, string>} labels Name → label.
 * @property {SavedByDto | null} saved_by Who saved them: the caller (another tab or window) or a colleague.
 */

/**
 * Who saved a task's call data last (R35).
 * @typedef {Object} SavedByDto
 * @property {number} agent
 * @property {string} name
 * @property {number} at Unix ms.
 */

/**
 * R44 (issue 23): an interaction of the history (`GET /api/v1/interactions`, api/supervisor.rs
 * `InteractionDto`).
 * @typedef {Object} InteractionDto
 * @property {number} id
 * @property {Channel} channel
 * @property {string} kind `inbound`, `outdial`, `web_callback`, `courtesy_callback`…
 * @property {string | null} customer_number
 * @property {string | null} dnis
 * @property {number} created_at Unix ms.
 * @property {number | null} connected_at
 * @property {number | null} ended_at
 * @property {string | null} end_reason
 * @property {number[]} agents
 * @property {{ state: string, agent: number | null, queue: number | null, at: number }[]} states
 * @property {{ agent: number, reason: string, automatic: boolean, at: number }[]} wrapups
 * @property {Record<string, string>} variables Never secure ones (R33).
 * @property {{ state: string, resumes_at: number | null, at: number, agent: number | null }[]} recording_changes
 * @property {string | null} recording The recording's URL, if there is one.
 */

/**
 * One step of an interaction's timeline (`TimelineEntryDto`).
 * @typedef {{ at: number, event: string, agent: number | null, queue: number | null, detail: string | null }} TimelineEntryDto
 */

/**
 * `GET /api/v1/interactions/{id}` (`InteractionDetailDto`).
 * @typedef {Object} InteractionDetailDto
 * @property {InteractionDto} interaction
 * @property {TimelineEntryDto[]} timeline
 * @property {Record<string, string>} agent_names Id → name.
 * @property {Record<string, string>} queue_names Id → name.
 */

/**
 * One hour of a report (api/reports.rs `HourDto`).
 * @typedef {Object} HourDto
 * @property {number} start Unix ms.
 * @property {string} local `YYYY-MM-DDTHH:MM` in the organisation's time zone.
 * @property {number} offered
 * @property {number} answered
 * @property {number} abandoned
 * @property {number} handled
 * @property {number | null} service_level_percent
 * @property {number | null} handle_ms_average
 * @property {number | null} wait_ms_average
 */

/**
 * A queue's row of a report (`QueueReportRowDto`); `queue` is null in the total.
 * @typedef {Object} QueueReportRowDto
 * @property {number | null} queue
 * @property {string} name
 * @property {number} offered
 * @property {number} answered
 * @property {number} answered_in_threshold
 * @property {number} abandoned
 * @property {number} handled
 * @property {number | null} service_level_percent
 * @property {number | null} abandoned_percent
 * @property {number | null} handle_ms_average
 * @property {number | null} wait_ms_average
 */

/**
 * `GET /api/v1/reports/queues` (`QueueReportDto`).
 * @typedef {{ time_zone: string, from: string, to: string, queues: QueueReportRowDto[], total: QueueReportRowDto, hours: HourDto[] }} QueueReportDto
 */

/**
 * An agent's row of a report (`AgentReportRowDto`).
 * @typedef {Object} AgentReportRowDto
 * @property {number} agent
 * @property {string} name
 * @property {number} answered
 * @property {number} handled
 * @property {number | null} handle_ms_average
 * @property {number} handle_ms_total
 * @property {number} logged_in_ms
 * @property {number | null} occupancy_percent
 */

/**
 * `GET /api/v1/reports/agents` (`AgentReportDto`).
 * @typedef {{ time_zone: string, from: string, to: string, agents: AgentReportRowDto[], hours: HourDto[] }} AgentReportDto
 */

export {};
