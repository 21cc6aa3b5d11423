/**
 * The catalog of Teleport audit event types: for each `event` type string (the JSON `event` key and
 * `Metadata.Type`), the `events.OneOf` member that carries it, its field number, the event codes Teleport
 * emits for it (`Metadata.Code`) and a one-line description.
 *
 * Several type strings share one message (`access_request.create`, `.update` and `.review` are all
 * `AccessRequestCreate`), so the catalog is keyed by type string; {@linkcode eventTypesOfMember} goes the
 * other way. This module is plain data plus lookups: the fixture templates and the audit-JSON converter both
 * read it.
 *
 * @example
 * ```ts
 * import { eventTypeInfo } from "./catalog.ts";
 * eventTypeInfo("user.login")?.member; // "UserLogin"
 * ```
 *
 * @module
 */

/** One Teleport audit event type. */
export interface EventTypeInfo {
  /** The type string: JSON key `event`, protobuf `Metadata.Type`, e.g. `user.login`. */
  readonly type: string;
  /** The `events.OneOf` member (and message) name, e.g. `UserLogin`. */
  readonly member: string;
  /** The member's field number in `events.OneOf`. */
  readonly number: number;
  /** Event codes (`Metadata.Code`) emitted with this type; the first is the usual success code. */
  readonly codes: readonly string[];
  /** What happened, in one line. */
  readonly description: string;
}

type Row = readonly [type: string, member: string, number: number, codes: string, description: string];

// Codes are space-separated to keep the table readable; the first one is the common case.
const ROWS: readonly Row[] = [
  [
    "user.login",
    "UserLogin",
    1,
    "T1000I T1000W T1001I T1001W T1010I T1011W T1012I T1013I T1013W T1014W",
    "User login attempt (local or SSO), successful or failed",
  ],
  ["user.create", "UserCreate", 2, "T1002I", "User created"],
  ["user.update", "UserUpdate", 140, "T1003I", "User updated"],
  ["user.delete", "UserDelete", 3, "T1004I", "User deleted"],
  ["user.password_change", "UserPasswordChange", 4, "T1005I", "User changed their password"],
  ["session.start", "SessionStart", 5, "T2000I", "Interactive session started"],
  ["session.join", "SessionJoin", 6, "T2001I", "User joined an active session"],
  ["print", "SessionPrint", 7, "", "Terminal output captured in a session recording"],
  [
    "session.rejected",
    "SessionReject",
    8,
    "T1006W",
    "Session rejected (for example over the connection limit)",
  ],
  ["resize", "Resize", 9, "T2002I", "Terminal of a session resized"],
  ["session.end", "SessionEnd", 10, "T2004I", "Interactive session ended"],
  ["session.command", "SessionCommand", 11, "T4000I", "Command executed in a session (enhanced recording)"],
  ["session.disk", "SessionDisk", 12, "T4001I", "File opened in a session (enhanced recording)"],
  [
    "session.network",
    "SessionNetwork",
    13,
    "T4002I",
    "Network connection made in a session (enhanced recording)",
  ],
  ["session.data", "SessionData", 14, "T2006I", "Bytes transferred in a session"],
  ["session.leave", "SessionLeave", 15, "T2003I", "User left a session"],
  ["port", "PortForward", 16, "T3003I T3003E T3003S", "Port forwarding requested"],
  ["port.local", "PortForward", 16, "T3003I T3003E", "Local port forwarding requested"],
  ["port.remote", "PortForward", 16, "T3003I T3003E", "Remote port forwarding requested"],
  ["port.remote_conn", "PortForward", 16, "T3003I T3003E", "Connection over remote port forwarding"],
  ["x11-forward", "X11Forward", 17, "T3008I T3008W", "X11 forwarding requested"],
  ["scp", "SCP", 18, "T3004I T3004E T3005I T3005E T3010E", "File copied with SCP"],
  ["exec", "Exec", 19, "T3002I T3002E", "Remote command executed"],
  ["subsystem", "Subsystem", 20, "T3001I T3001E", "SSH subsystem requested"],
  ["client.disconnect", "ClientDisconnect", 21, "T3006I", "Client disconnected"],
  ["auth", "AuthAttempt", 22, "T3007W", "Failed SSH authentication attempt"],
  ["access_request.create", "AccessRequestCreate", 23, "T5000I", "Access request created"],
  ["access_request.update", "AccessRequestCreate", 23, "T5001I", "Access request state changed"],
  ["access_request.review", "AccessRequestCreate", 23, "T5002I", "Access request reviewed"],
  ["access_request.delete", "AccessRequestDelete", 66, "T5003I", "Access request deleted"],
  [
    "access_request.search",
    "AccessRequestResourceSearch",
    88,
    "T5004I",
    "Resources searched for an access request",
  ],
  ["access_request.expire", "AccessRequestExpire", 199, "T5005I", "Access request expired"],
  ["reset_password_token.create", "UserTokenCreate", 24, "T6000I", "Password reset token created"],
  ["recovery_token.create", "UserTokenCreate", 24, "T6001I", "Account recovery token created"],
  ["privilege_token.create", "UserTokenCreate", 24, "T6002I", "Privilege token created"],
  ["role.created", "RoleCreate", 25, "T9000I", "Role created"],
  ["role.updated", "RoleUpdate", 139, "T9002I", "Role updated"],
  ["role.deleted", "RoleDelete", 26, "T9001I", "Role deleted"],
  ["trusted_cluster.create", "TrustedClusterCreate", 27, "T7000I", "Trusted cluster created"],
  ["trusted_cluster.delete", "TrustedClusterDelete", 28, "T7001I", "Trusted cluster deleted"],
  [
    "trusted_cluster_token.create",
    "TrustedClusterTokenCreate",
    29,
    "T7002I",
    "Trusted cluster join token created (deprecated)",
  ],
  ["join_token.create", "ProvisionTokenCreate", 125, "TJT00I", "Join token created"],
  ["github.created", "GithubConnectorCreate", 30, "T8000I", "GitHub auth connector created"],
  ["github.updated", "GithubConnectorUpdate", 136, "T80002I", "GitHub auth connector updated"],
  ["github.deleted", "GithubConnectorDelete", 31, "T8001I", "GitHub auth connector deleted"],
  ["oidc.created", "OIDCConnectorCreate", 32, "T8100I", "OIDC auth connector created"],
  ["oidc.updated", "OIDCConnectorUpdate", 137, "T8102I", "OIDC auth connector updated"],
  ["oidc.deleted", "OIDCConnectorDelete", 33, "T8101I", "OIDC auth connector deleted"],
  ["saml.created", "SAMLConnectorCreate", 34, "T8200I", "SAML auth connector created"],
  ["saml.updated", "SAMLConnectorUpdate", 138, "T8202I", "SAML auth connector updated"],
  ["saml.deleted", "SAMLConnectorDelete", 35, "T8201I", "SAML auth connector deleted"],
  ["kube.request", "KubeRequest", 36, "T3009I", "Request to a Kubernetes API"],
  ["kube.create", "KubernetesClusterCreate", 96, "T3010I", "Kubernetes cluster registered"],
  ["kube.update", "KubernetesClusterUpdate", 97, "T3011I", "Kubernetes cluster updated"],
  ["kube.delete", "KubernetesClusterDelete", 98, "T3012I", "Kubernetes cluster removed"],
  ["app.session.start", "AppSessionStart", 37, "T2007I T2007E", "Application session started"],
  ["app.session.end", "AppSessionEnd", 93, "T2011I", "Application session ended"],
  ["app.session.chunk", "AppSessionChunk", 38, "T2008I", "Application session recording chunk written"],
  ["app.session.request", "AppSessionRequest", 39, "T2009I", "HTTP request in an application session"],
  ["app.create", "AppCreate", 56, "TAP03I", "Application registered"],
  ["app.update", "AppUpdate", 57, "TAP04I", "Application updated"],
  ["app.delete", "AppDelete", 58, "TAP05I", "Application removed"],
  ["db.session.start", "DatabaseSessionStart", 40, "TDB00I TDB00W", "Database session started"],
  ["db.session.end", "DatabaseSessionEnd", 41, "TDB01I", "Database session ended"],
  ["db.session.query", "DatabaseSessionQuery", 42, "TDB02I", "Database query executed"],
  ["db.session.query.failed", "DatabaseSessionQuery", 42, "TDB02W", "Database query failed"],
  ["db.create", "DatabaseCreate", 53, "TDB03I", "Database registered"],
  ["db.update", "DatabaseUpdate", 54, "TDB04I", "Database updated"],
  ["db.delete", "DatabaseDelete", 55, "TDB05I", "Database removed"],
  [
    "db.session.postgres.statements.parse",
    "PostgresParse",
    61,
    "TPG00I",
    "PostgreSQL prepared statement parsed",
  ],
  [
    "db.session.postgres.statements.bind",
    "PostgresBind",
    62,
    "TPG01I",
    "PostgreSQL prepared statement bound",
  ],
  [
    "db.session.postgres.statements.execute",
    "PostgresExecute",
    63,
    "TPG02I",
    "PostgreSQL prepared statement executed",
  ],
  [
    "db.session.postgres.statements.close",
    "PostgresClose",
    64,
    "TPG03I",
    "PostgreSQL prepared statement closed",
  ],
  ["db.session.postgres.function", "PostgresFunctionCall", 65, "TPG04I", "PostgreSQL function called"],
  ["db.session.mysql.statements.prepare", "MySQLStatementPrepare", 72, "TMY00I", "MySQL statement prepared"],
  [
    "db.session.mysql.statements.execute",
    "MySQLStatementExecute",
    73,
    "TMY01I",
    "MySQL prepared statement executed",
  ],
  [
    "db.session.mysql.statements.send_long_data",
    "MySQLStatementSendLongData",
    74,
    "TMY02I",
    "MySQL long data sent for a statement",
  ],
  [
    "db.session.mysql.statements.close",
    "MySQLStatementClose",
    75,
    "TMY03I",
    "MySQL prepared statement closed",
  ],
  [
    "db.session.mysql.statements.reset",
    "MySQLStatementReset",
    76,
    "TMY04I",
    "MySQL prepared statement reset",
  ],
  [
    "db.session.mysql.statements.fetch",
    "MySQLStatementFetch",
    77,
    "TMY05I",
    "MySQL rows fetched from a statement",
  ],
  [
    "db.session.mysql.statements.bulk_execute",
    "MySQLStatementBulkExecute",
    78,
    "TMY06I",
    "MySQL statement bulk-executed",
  ],
  ["session.upload", "SessionUpload", 43, "T2005I", "Session recording uploaded"],
  ["mfa.add", "MFADeviceAdd", 44, "T1006I", "MFA device added"],
  ["mfa.delete", "MFADeviceDelete", 45, "T1007I", "MFA device removed"],
  ["recovery_code.generated", "RecoveryCodeGenerate", 51, "T1008I", "Account recovery codes generated"],
  ["recovery_code.used", "RecoveryCodeUsed", 52, "T1009I T1009W", "Account recovery code used"],
  ["lock.created", "LockCreate", 49, "TLK00I", "Lock created"],
  ["lock.deleted", "LockDelete", 50, "TLK01I", "Lock deleted"],
  [
    "windows.desktop.session.start",
    "WindowsDesktopSessionStart",
    59,
    "TDP00I TDP00W",
    "Windows desktop session started",
  ],
  ["windows.desktop.session.end", "WindowsDesktopSessionEnd", 60, "TDP01I", "Windows desktop session ended"],
  ["desktop.recording", "DesktopRecording", 69, "", "Desktop session recording frame"],
  ["desktop.clipboard.send", "DesktopClipboardSend", 70, "TDP02I", "Clipboard data sent to a desktop"],
  [
    "desktop.clipboard.receive",
    "DesktopClipboardReceive",
    71,
    "TDP03I",
    "Clipboard data received from a desktop",
  ],
  ["session.connect", "SessionConnect", 67, "T2010I", "Connection to a node established"],
  ["cert.create", "CertificateCreate", 68, "TC000I", "Certificate issued"],
  [
    "cert.generation_mismatch",
    "RenewableCertificateGenerationMismatch",
    79,
    "TCB00W",
    "Renewable certificate generation mismatch",
  ],
  ["unknown", "Unknown", 80, "TCC00E", "Event of a type this schema does not know (raw JSON kept)"],
  ["sftp", "SFTP", 91, "TS001I TS020E", "SFTP operation"],
  ["sftp_summary", "SFTPSummary", 191, "TS021I", "Summary of an SFTP session's file transfers"],
  ["session.recording.access", "SessionRecordingAccess", 94, "T2012I", "Session recording viewed"],
  ["bot.join", "BotJoin", 110, "TJ001I TJ001E", "Bot joined the cluster"],
  ["instance.join", "InstanceJoin", 111, "TJ002I TJ002E", "Instance joined the cluster"],
  ["bot.create", "BotCreate", 143, "TB001I", "Bot created"],
  ["bot.update", "BotUpdate", 145, "TB002I", "Bot updated"],
  ["bot.delete", "BotDelete", 144, "TB003I", "Bot deleted"],
  ["mfa_auth_challenge.create", "CreateMFAAuthChallenge", 146, "T1015I", "MFA challenge created"],
  [
    "mfa_auth_challenge.validate",
    "ValidateMFAAuthResponse",
    147,
    "T1016I T1016W",
    "MFA challenge response validated",
  ],
  ["device", "DeviceEvent", 112, "TV001I", "Trusted device event (legacy)"],
  ["device.create", "DeviceEvent2", 121, "TV001I", "Trusted device registered"],
  ["device.delete", "DeviceEvent2", 121, "TV002I", "Trusted device removed"],
  ["device.token.create", "DeviceEvent2", 121, "TV003I", "Device enrollment token created"],
  ["device.enroll", "DeviceEvent2", 121, "TV005I", "Trusted device enrolled"],
  ["device.authenticate", "DeviceEvent2", 121, "TV006I", "Trusted device authenticated"],
  ["device.update", "DeviceEvent2", 121, "TV007I", "Trusted device updated"],
  ["device.webtoken.create", "DeviceEvent2", 121, "TV008I", "Device web token created"],
  ["device.authenticate.confirm", "DeviceEvent2", 121, "TV009I", "Device web authentication confirmed"],
  ["billing.update_info", "BillingInformationUpdate", 46, "TBL03I", "Billing information updated"],
  ["billing.create_card", "BillingCardCreate", 47, "TBL00I", "Payment card added"],
  ["billing.update_card", "BillingCardCreate", 47, "TBL02I", "Payment card updated"],
  ["billing.delete_card", "BillingCardDelete", 48, "TBL01I", "Payment card removed"],
  ["access_list.create", "AccessListCreate", 126, "TAL001I", "Access list created"],
  ["access_list.update", "AccessListUpdate", 127, "TAL002I", "Access list updated"],
  ["access_list.delete", "AccessListDelete", 128, "TAL003I", "Access list deleted"],
  ["access_list.review", "AccessListReview", 129, "TAL004I", "Access list reviewed"],
  ["access_list.member.create", "AccessListMemberCreate", 130, "TAL005I", "Member added to an access list"],
  ["access_list.member.update", "AccessListMemberUpdate", 131, "TAL006I", "Access list member updated"],
  [
    "access_list.member.delete",
    "AccessListMemberDelete",
    132,
    "TAL007I",
    "Member removed from an access list",
  ],
  [
    "access_list.member.delete_all_for_access_list",
    "AccessListMemberDeleteAllForAccessList",
    133,
    "TAL008I",
    "All members removed from an access list",
  ],
  [
    "user_login.invalid_access_list",
    "UserLoginAccessListInvalid",
    198,
    "TAL009W",
    "Login used an invalid access list",
  ],
  ["spiffe.svid.issued", "SPIFFESVIDIssued", 150, "TSPIFFE000I TSPIFFE000E", "SPIFFE SVID issued"],
  ["okta.groups.update", "OktaResourcesUpdate", 122, "", "Okta groups synchronised"],
  ["okta.applications.update", "OktaResourcesUpdate", 122, "", "Okta applications synchronised"],
  ["okta.assignment.process", "OktaAssignmentResult", 124, "", "Okta assignment processed"],
  ["okta.assignment.cleanup", "OktaAssignmentResult", 124, "", "Okta assignment cleaned up"],
  ["ssm.run", "SSMRun", 99, "TDS00I TDS00W", "AWS SSM command run"],
  ["saml.idp.auth", "SAMLIdPAuthAttempt", 115, "TSI000I", "SAML identity provider authentication attempt"],
];

/** Every known event type, in the order of Teleport's own table (grouped by area). */
export const EVENT_TYPES: readonly EventTypeInfo[] = ROWS.map(([type, member, number, codes, description]) =>
  Object.freeze({ type, member, number, codes: Object.freeze(codes.split(" ").filter(Boolean)), description })
);

const byType = new Map(EVENT_TYPES.map((info) => [info.type, info]));

/** Returns the catalog entry of a type string such as `user.login`, or `undefined` when unknown. */
export function eventTypeInfo(type: string): EventTypeInfo | undefined {
  return byType.get(type);
}

/**
 * Returns the type strings carried by one OneOf member, primary first (e.g. `AccessRequestCreate` gives
 * `access_request.create`, `access_request.update`, `access_request.review`); empty when the member is not in
 * the catalog.
 */
export function eventTypesOfMember(member: string): EventTypeInfo[] {
  return EVENT_TYPES.filter((info) => info.member === member);
}
