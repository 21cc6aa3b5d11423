/**
 * Emits the AssemblyScript class of one protobuf message: typed fields, oneof accessors, `decode`,
 * `encode`, `size` and the `mergeFrom`/`writeTo` pair the runtime's Reader and Writer call for nesting.
 *
 * Fields keep their .proto names. The exceptions get a trailing `_`: AssemblyScript keywords (`default_`)
 * and the names of the class's own members (`size_`, `encode_`, `decode_`, `mergeFrom_`, `writeTo_`, and
 * `unknown_`, whose private storage would be the class's `_unknown`).
 *
 * Singular message fields are never null: a getter creates the message on first access (so decoding
 * allocates only what the input holds, and self-referencing types need no special case). A singular
 * message that is empty is not encoded, like a scalar at its default value.
 *
 * Oneofs: a message's only oneof gets a discriminator property `type` (the set member's name, `""` when
 * none) and `type_index` (its field number, 0 when none); a message with several oneofs names them
 * `<oneof>_type` and `<oneof>_index`. Field numbers are also constants in a namespace `<Message>_<oneof>`.
 * Assigning a member selects it; assigning `null` to the selected member clears the oneof. A proto3
 * `optional` field is a plain property plus a `has_<field>` getter.
 *
 * A oneof's message member is decoded lazily: decoding the oneof checks the member's framing and keeps its
 * bytes; the member's getter decodes them on first access (aborting if they are malformed), and a member
 * never accessed is encoded as the very bytes it was read from. Every class extends the runtime's `Message`,
 * and the oneof encodes its member through that base class, so the generated code names a member's class
 * only in that member's getter and setter. AssemblyScript compiles only what a plugin reaches, so a plugin
 * pays for the member types it touches, not for the hundreds `events.OneOf` could hold.
 *
 * @module
 */
import protobuf from "protobufjs";
import { declaredName, docComment, localName, safeName, unique } from "./names.ts";
import { ENUM_SCALAR, fill, type Scalar, SCALARS, varintSize, WireType } from "./scalars.ts";

/** What emitting a message needs from the file it goes into. */
export interface MessageContext {
  /** How this file refers to a message or enum type. */
  ref(type: protobuf.ReflectionObject): string;
  /** Records that the file uses a name exported by the runtime. */
  use(name: string): void;
}

/**
 * Members every generated class has; fields with these names get a trailing `_`. `unknown` is there because
 * a field's private storage is `_<field>`, and `_unknown` holds the unknown fields.
 */
const RESERVED = ["size", "encode", "decode", "mergeFrom", "writeTo", "constructor", "_unknown", "unknown"];

interface OneofPlan {
  name: string;
  /** The oneof's .proto comment. */
  comment: string | null;
  /** Property with the selected member's name. */
  discriminator: string;
  /** Property with the selected member's field number. */
  index: string;
  /** Private storage of the selected message member. */
  storage: string;
  /** Private method selecting a member. */
  select: string;
  /**
   * Whether no other field's number falls among those of the message members, so that one statement on the
   * selected member, at the place of the first of them, encodes them in field-number order.
   */
  messagesTogether: boolean;
  /** Namespace of the members' field-number constants. */
  constants: string;
  /** For a proto3 `optional` field (a one-member oneof): the name of its `has_<field>` getter. */
  presence?: string;
  members: FieldPlan[];
}

interface FieldPlan {
  field: protobuf.Field;
  /** The AssemblyScript property name: the .proto name unless it collides with a generated member. */
  name: string;
  number: number;
  /** Set for scalar and enum values (also the map value when it is not a message). */
  scalar?: Scalar;
  /** Set for message values (also the map value when it is a message). */
  message?: string;
  key?: Scalar;
  repeated: boolean;
  map: boolean;
  packed: boolean;
  /** A singular message outside any oneof: created on first access, so decoding allocates only what is present. */
  lazy: boolean;
  oneof?: OneofPlan;
}

/** Emits one message class (indented by `indent`) and its oneof constants. */
export function emitMessage(type: protobuf.Type, ctx: MessageContext, indent: string): string[] {
  const name = localName(type);
  const { fields, oneofs } = plan(type, ctx);
  const byNumber = [...fields].sort((a, b) => a.number - b.number);
  const i1 = indent + "  ";
  const out: string[] = [];

  for (const oneof of oneofs.filter((o) => !o.presence)) {
    out.push(
      ...docComment(`Field numbers of the members of oneof ${oneof.name}, as in \`${oneof.index}\`.`, indent),
      `${indent}export namespace ${oneof.constants} {`,
      ...oneof.members.map((m) => `${i1}export const ${declaredName(m.name)}: i32 = ${m.number};`),
      `${indent}}`,
      "",
    );
  }

  ctx.use("Message");
  out.push(...docComment(type.comment, indent), `${indent}export class ${name} extends Message {`);
  for (const f of fields.filter((f) => !f.oneof)) {
    if (f.lazy) out.push(`${i1}private _${f.name}: ${asType(f)} = null;`);
    else out.push(...docComment(f.field.comment, i1), `${i1}${f.name}: ${asType(f)} = ${initialValue(f)};`);
  }
  for (const oneof of oneofs) {
    const hasMessages = oneof.members.some((m) => m.message);
    out.push(`${i1}private _${oneof.index}: i32 = 0;`);
    if (hasMessages) out.push(`${i1}private ${oneof.storage}: Message | null = null;`);
    for (const m of oneof.members.filter((m) => m.scalar)) {
      out.push(`${i1}private _${m.name}: ${m.scalar!.asType} = ${m.scalar!.zero};`);
    }
  }
  out.push(`${i1}private _unknown: ArrayBuffer | null = null;`);

  for (const f of fields.filter((f) => f.lazy)) out.push("", ...emitLazyAccessors(f, i1));
  for (const oneof of oneofs) out.push("", ...emitOneofAccessors(oneof, ctx, i1));

  ctx.use("Reader");
  ctx.use("Writer");
  const i2 = i1 + "  ";
  out.push(
    "",
    `${i1}/** Decodes protobuf bytes into a new ${name}; aborts on malformed input. */`,
    `${i1}static decode(buf: ArrayBuffer): ${name} {`,
    `${i2}const message = new ${name}();`,
    `${i2}message.mergeFrom(new Reader(buf));`,
    `${i2}return message;`,
    `${i1}}`,
    "",
    `${i1}/** Encodes this message as protobuf bytes, unknown fields included. */`,
    `${i1}encode(): ArrayBuffer {`,
    `${i2}return Writer.encode(this);`,
    `${i1}}`,
    "",
    `${i1}/** The size of this message's encoding in bytes. */`,
    `${i1}size(): u32 {`,
    `${i2}let size: u32 = 0;`,
    ...byNumber.flatMap((f) => emitSize(f, ctx, i2)),
    `${i2}return size + unknownSize(this._unknown);`,
    `${i1}}`,
    "",
    `${i1}/** Reads fields up to the end of the reader's current message into this one. */`,
    `${i1}mergeFrom(r: Reader): void {`,
    `${i2}while (r.more()) {`,
    `${i2}  const start = r.pos;`,
    `${i2}  const tag = r.tag();`,
    ...(byNumber.length > 0
      ? [`${i2}  switch (tag) {`, ...byNumber.flatMap((f) => emitRead(f, ctx, i2 + "    ")), `${i2}  }`]
      : []),
    `${i2}  this._unknown = r.skipUnknown(tag, start, this._unknown);`,
    `${i2}}`,
    `${i1}}`,
    "",
    `${i1}/** Writes the fields in field-number order, then the unknown fields as they were read. */`,
    `${i1}writeTo(w: Writer): void {`,
    ...byNumber.flatMap((f) => emitWrite(f, ctx, i2)),
    `${i2}if (this._unknown !== null) w.raw(this._unknown!);`,
    `${i1}}`,
  );
  ctx.use("unknownSize");
  for (const oneof of oneofs) out.push("", ...emitSelect(oneof, i1));
  out.push(`${indent}}`);
  return out;
}

function plan(type: protobuf.Type, ctx: MessageContext): { fields: FieldPlan[]; oneofs: OneofPlan[] } {
  const taken = new Set([...RESERVED, ...type.fieldsArray.map((f) => f.name)]);
  const realOneofs = type.oneofsArray.filter((o) => !isSynthetic(o));
  const oneofs = new Map<protobuf.OneOf, OneofPlan>();
  for (const oneof of type.oneofsArray) {
    const synthetic = isSynthetic(oneof);
    const base = realOneofs.length === 1 && !synthetic ? "type" : `${oneof.name}_type`;
    const discriminator = unique(base, taken);
    taken.add(discriminator);
    const index = unique(base === "type" ? "type_index" : `${oneof.name}_index`, taken);
    taken.add(index);
    const storage = unique(`_${oneof.name}_value`, taken);
    taken.add(storage);
    const select = unique(`select_${oneof.name}`, taken);
    taken.add(select);
    const presence = synthetic ? unique(`has_${oneof.fieldsArray[0].name}`, taken) : undefined;
    if (presence) taken.add(presence);
    oneofs.set(oneof, {
      comment: oneof.comment,
      presence,
      name: oneof.name,
      discriminator,
      index,
      storage,
      select,
      constants: `${localName(type)}_${oneof.name}`,
      messagesTogether: true,
      members: [],
    });
  }
  const fields = type.fieldsArray.map((field): FieldPlan => {
    // Oneof members were kept out of the way above; only the fixed members can clash with a field.
    const renamed = RESERVED.includes(field.name) || safeName(field.name) !== field.name;
    const name = renamed ? unique(safeName(field.name), taken) : field.name;
    taken.add(name);
    const resolved = field.resolvedType;
    const scalar = resolved instanceof protobuf.Enum
      ? ENUM_SCALAR
      : resolved
      ? undefined
      : SCALARS[field.type];
    if (!resolved && !scalar) {
      throw new Error(`${type.fullName.slice(1)}.${field.name}: unsupported field type '${field.type}'`);
    }
    const map = field instanceof protobuf.MapField;
    const key = map ? SCALARS[(field as protobuf.MapField).keyType] : undefined;
    const plan: FieldPlan = {
      field,
      name,
      number: field.id,
      scalar,
      message: resolved instanceof protobuf.Type ? ctx.ref(resolved) : undefined,
      key,
      repeated: field.repeated,
      map,
      packed: field.repeated && !!scalar?.packed && field.packed,
      lazy: !field.repeated && !map && !field.partOf && resolved instanceof protobuf.Type,
      oneof: field.partOf ? oneofs.get(field.partOf) : undefined,
    };
    plan.oneof?.members.push(plan);
    return plan;
  });
  for (const oneof of oneofs.values()) {
    const numbers = oneof.members.filter((m) => m.message).map((m) => m.number);
    const [low, high] = [Math.min(...numbers), Math.max(...numbers)];
    oneof.messagesTogether = !fields.some((f) => f.oneof !== oneof && f.number > low && f.number < high);
  }
  return { fields, oneofs: [...oneofs.values()] };
}

/** proto3 `optional` fields are wrapped by protobufjs in a one-member oneof named `_<field>`. */
function isSynthetic(oneof: protobuf.OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.fieldsArray[0].options?.proto3_optional === true;
}

function asType(f: FieldPlan): string {
  const value = f.message ?? f.scalar!.asType;
  if (f.map) return `Map<${f.key!.asType}, ${value}>`;
  if (f.repeated) return `Array<${value}>`;
  return f.lazy || f.oneof ? `${value} | null` : value;
}

function initialValue(f: FieldPlan): string {
  if (f.map || f.repeated) return `new ${asType(f)}()`;
  return f.scalar!.zero;
}

function tagOf(number: number, wireType: number): number {
  return number * 8 + wireType;
}

function scalarSize(scalar: Scalar, value: string, ctx: MessageContext): string {
  scalar.uses.forEach((name) => ctx.use(name));
  return typeof scalar.size === "number" ? String(scalar.size) : fill(scalar.size, value);
}

function emitLazyAccessors(f: FieldPlan, indent: string): string[] {
  const i1 = indent + "  ";
  return [
    ...docComment(f.field.comment, indent),
    `${indent}get ${f.name}(): ${f.message} {`,
    `${i1}if (this._${f.name} === null) this._${f.name} = new ${f.message}();`,
    `${i1}return this._${f.name}!;`,
    `${indent}}`,
    "",
    `${indent}set ${f.name}(value: ${f.message}) {`,
    `${i1}this._${f.name} = value;`,
    `${indent}}`,
  ];
}

function emitOneofAccessors(oneof: OneofPlan, ctx: MessageContext, indent: string): string[] {
  const i1 = indent + "  ";
  const out = oneof.presence
    ? [
      `${indent}/** Whether optional field ${oneof.members[0].name} is set (even to its default value). */`,
      `${indent}get ${oneof.presence}(): bool {`,
      `${i1}return this._${oneof.index} != 0;`,
      `${indent}}`,
    ]
    : [
      ...docComment(
        [oneof.comment, `The name of the member of oneof ${oneof.name} that is set, or "" when none is.`]
          .filter(Boolean).join("\n\n"),
        indent,
      ),
      `${indent}get ${oneof.discriminator}(): string {`,
      `${i1}switch (this._${oneof.index}) {`,
      ...oneof.members.map((m) => `${i1}  case ${m.number}: return "${m.name}";`),
      `${i1}}`,
      `${i1}return "";`,
      `${indent}}`,
      "",
      `${indent}/** The field number of the member of oneof ${oneof.name} that is set, or 0 when none is. */`,
      `${indent}get ${oneof.index}(): i32 {`,
      `${i1}return this._${oneof.index};`,
      `${indent}}`,
    ];
  const select = (index: number, message: string) =>
    `this.${oneof.select}(${index}${oneof.members.some((m) => m.message) ? `, ${message}` : ""});`;
  for (const m of oneof.members) {
    const selected = `this._${oneof.index} == ${m.number}`;
    out.push("", ...docComment(m.field.comment, indent));
    if (m.message) {
      ctx.use("decodeMember");
      out.push(
        `${indent}get ${m.name}(): ${m.message} | null {`,
        `${i1}if (this._${oneof.index} != ${m.number}) return null;`,
        `${i1}const member = decodeMember<${m.message}>(this.${oneof.storage}!);`,
        `${i1}this.${oneof.storage} = member;`,
        `${i1}return member;`,
        `${indent}}`,
        "",
        `${indent}set ${m.name}(value: ${m.message} | null) {`,
        `${i1}if (value !== null) ${select(m.number, "value")}`,
        `${i1}else if (${selected}) ${select(0, "null")}`,
        `${indent}}`,
      );
    } else {
      const scalar = m.scalar!;
      out.push(
        `${indent}get ${m.name}(): ${scalar.asType} {`,
        `${i1}return ${selected} ? this._${m.name} : ${scalar.zero};`,
        `${indent}}`,
        "",
        `${indent}set ${m.name}(value: ${scalar.asType}) {`,
        `${i1}this._${m.name} = value;`,
        `${i1}${select(m.number, "null")}`,
        `${indent}}`,
      );
    }
  }
  return out;
}

function emitSelect(oneof: OneofPlan, indent: string): string[] {
  const i1 = indent + "  ";
  const hasMessages = oneof.members.some((m) => m.message);
  return [
    `${indent}/** Makes member \`index\` of oneof ${oneof.name} the one that is set (0: none). */`,
    `${indent}private ${oneof.select}(index: i32${hasMessages ? ", message: Message | null" : ""}): void {`,
    `${i1}this._${oneof.index} = index;`,
    ...(hasMessages ? [`${i1}this.${oneof.storage} = message;`] : []),
    `${indent}}`,
  ];
}

/**
 * The guard of the statement that encodes oneof message member `f`, or null when `f` needs no statement of
 * its own: the members share one statement, placed at the first of them, if they lie together.
 */
function oneofMessageGuard(f: FieldPlan): { guard: string; index: string } | null {
  const oneof = f.oneof!;
  if (!oneof.messagesTogether) {
    return { guard: `if (this._${oneof.index} == ${f.number}) `, index: `${f.number}` };
  }
  return f === messageMembers(oneof)[0] ? { guard: "", index: `this._${oneof.index}` } : null;
}

/** The message members of `oneof`, by field number. */
function messageMembers(oneof: OneofPlan): FieldPlan[] {
  return oneof.members.filter((m) => m.message).sort((a, b) => a.number - b.number);
}

function emitSize(f: FieldPlan, ctx: MessageContext, indent: string): string[] {
  const value = `this.${f.name}`;
  if (f.map) return emitMapSize(f, ctx, indent);
  if (f.message) {
    const tagSize = varintSize(tagOf(f.number, WireType.lengthDelimited));
    ctx.use("delimitedSize");
    if (f.repeated) {
      return [
        `${indent}for (let i = 0; i < ${value}.length; i++) size += ${tagSize} + delimitedSize(${value}[i].size());`,
      ];
    }
    if (f.oneof) {
      const statement = oneofMessageGuard(f);
      if (!statement) return [];
      ctx.use("oneofMessageSize");
      return [
        `${indent}${statement.guard}size += oneofMessageSize(${statement.index}, this.${f.oneof.storage});`,
      ];
    }
    ctx.use("messageIfNotEmptySize");
    return [`${indent}size += messageIfNotEmptySize(${tagSize}, this._${f.name});`];
  }
  const scalar = f.scalar!;
  if (f.packed) {
    const tagSize = varintSize(tagOf(f.number, WireType.lengthDelimited));
    ctx.use("packedSize");
    const payload = scalar.packed === "Fixed"
      ? `${value}.length * ${scalar.size}`
      : `packed${scalar.packed}Size<${scalar.asType}>(${value})`;
    if (scalar.packed !== "Fixed") ctx.use(`packed${scalar.packed}Size`);
    return [`${indent}size += packedSize(${tagSize}, ${payload});`];
  }
  const tagSize = varintSize(tagOf(f.number, scalar.wireType));
  if (f.repeated) {
    if (typeof scalar.size === "number") {
      return [`${indent}size += ${value}.length * ${tagSize + scalar.size};`];
    }
    return [
      `${indent}for (let i = 0; i < ${value}.length; i++) size += ${tagSize} + ${
        scalarSize(scalar, `${value}[i]`, ctx)
      };`,
    ];
  }
  if (f.oneof) {
    return [
      `${indent}if (this._${f.oneof.index} == ${f.number}) size += ${tagSize} + ${
        scalarSize(scalar, `this._${f.name}`, ctx)
      };`,
    ];
  }
  ctx.use(`${scalar.family}FieldSize`);
  return [`${indent}size += ${scalar.family}FieldSize${typeArgument(scalar)}(${tagSize}, ${value});`];
}

/** The size of one map entry's payload, with `key` and `value` in scope. */
function mapEntrySize(f: FieldPlan, ctx: MessageContext): string {
  const key = f.key!;
  const keySize = typeof key.size === "number" ? String(1 + key.size) : `1 + ${scalarSize(key, "key", ctx)}`;
  if (f.message) {
    ctx.use("delimitedSize");
    return `${keySize} + 1 + delimitedSize(value.size())`;
  }
  const scalar = f.scalar!;
  const valueSize = typeof scalar.size === "number"
    ? String(1 + scalar.size)
    : `1 + ${scalarSize(scalar, "value", ctx)}`;
  return `${keySize} + ${valueSize}`;
}

function emitMapSize(f: FieldPlan, ctx: MessageContext, indent: string): string[] {
  const tagSize = varintSize(tagOf(f.number, WireType.lengthDelimited));
  ctx.use("delimitedSize");
  return emitMapEntries(f, indent, [`size += ${tagSize} + delimitedSize(${mapEntrySize(f, ctx)});`]);
}

/** A loop over a non-empty map field's entries, with `key` and `value` in scope for `body`. */
function emitMapEntries(f: FieldPlan, indent: string, body: readonly string[]): string[] {
  const i1 = indent + "  ";
  return [
    `${indent}if (this.${f.name}.size > 0) {`,
    `${i1}const keys = this.${f.name}.keys();`,
    `${i1}for (let i = 0; i < keys.length; i++) {`,
    `${i1}  const key = keys[i];`,
    `${i1}  const value = this.${f.name}.get(key);`,
    ...body.map((line) => `${i1}  ${line}`),
    `${i1}}`,
    `${indent}}`,
  ];
}

/**
 * One `case` per tag, that is per field number and wire type: a field read with another wire type than the
 * expected one matches no case and is kept as unknown. Repeated numbers are accepted packed and unpacked,
 * whatever the schema says, so they get a case for each. The message members of a oneof share one body
 * (keep the member's bytes, select it), emitted with the first of them.
 */
function emitRead(f: FieldPlan, ctx: MessageContext, indent: string): string[] {
  const i1 = indent + "  ";
  const value = `this.${f.name}`;
  const head = (tag: number, note = "") => `${indent}case ${tag}: // ${f.field.name}${note}`;
  const lengthTag = tagOf(f.number, WireType.lengthDelimited);
  if (f.map) return [head(lengthTag), ...emitMapEntryRead(f, ctx, i1), `${i1}continue;`];
  if (f.message && f.oneof) {
    const members = messageMembers(f.oneof);
    if (f !== members[0]) return [];
    return [
      ...members.map((m) => `${indent}case ${tagOf(m.number, WireType.lengthDelimited)}: // ${m.field.name}`),
      `${i1}this.${f.oneof.select}(tag >>> 3, r.rawMessage());`,
      `${i1}continue;`,
    ];
  }
  if (f.message) {
    const read = f.repeated ? `${value}.push(r.message(new ${f.message}()));` : `r.message(${value});`;
    return [head(lengthTag), `${i1}${read}`, `${i1}continue;`];
  }
  const scalar = f.scalar!;
  const tag = tagOf(f.number, scalar.wireType);
  if (!f.repeated) return [head(tag), `${i1}${value} = ${scalar.read};`, `${i1}continue;`];
  const unpacked = [head(tag), `${i1}${value}.push(${scalar.read});`, `${i1}continue;`];
  if (!scalar.packed) return unpacked;
  return [
    ...unpacked,
    head(lengthTag, ", packed"),
    `${i1}const outer = r.enter();`,
    `${i1}while (r.more()) ${value}.push(${scalar.read});`,
    `${i1}r.leave(outer);`,
    `${i1}continue;`,
  ];
}

/** Reads one map entry (key 1, value 2; either may be absent) and stores it. */
function emitMapEntryRead(f: FieldPlan, ctx: MessageContext, indent: string): string[] {
  const key = f.key!;
  const valueType = f.message ?? f.scalar!.asType;
  const valueZero = f.message ? `new ${f.message}()` : f.scalar!.zero;
  const readValue = f.message ? "r.message(value);" : `value = ${f.scalar!.read};`;
  const valueTag = tagOf(2, f.message ? WireType.lengthDelimited : f.scalar!.wireType);
  ctx.use("Reader");
  return [
    `${indent}const outer = r.enter();`,
    `${indent}let key: ${key.asType} = ${key.zero};`,
    `${indent}${f.message ? "const" : "let"} value: ${valueType} = ${valueZero};`,
    `${indent}while (r.more()) {`,
    `${indent}  const entryTag = r.tag();`,
    `${indent}  if (entryTag == ${tagOf(1, key.wireType)}) key = ${key.read};`,
    `${indent}  else if (entryTag == ${valueTag}) ${readValue}`,
    `${indent}  else r.skip(entryTag);`,
    `${indent}}`,
    `${indent}r.leave(outer);`,
    `${indent}this.${f.name}.set(key, value);`,
  ];
}

function emitWrite(f: FieldPlan, ctx: MessageContext, indent: string): string[] {
  const value = `this.${f.name}`;
  const lengthTag = tagOf(f.number, WireType.lengthDelimited);
  if (f.map) return emitMapWrite(f, ctx, indent);
  if (f.message) {
    if (f.repeated) {
      return [`${indent}for (let i = 0; i < ${value}.length; i++) w.message(${lengthTag}, ${value}[i]);`];
    }
    if (f.oneof) {
      const statement = oneofMessageGuard(f);
      return statement
        ? [`${indent}${statement.guard}w.oneofMessage(${statement.index}, this.${f.oneof.storage});`]
        : [];
    }
    return [`${indent}w.messageIfNotEmpty(${lengthTag}, this._${f.name});`];
  }
  const scalar = f.scalar!;
  if (f.packed) return [`${indent}w.packed${scalar.packed}<${scalar.asType}>(${lengthTag}, ${value});`];
  const tag = tagOf(f.number, scalar.wireType);
  if (f.repeated) {
    return [
      `${indent}for (let i = 0; i < ${value}.length; i++) {`,
      `${indent}  w.tag(${tag});`,
      `${indent}  ${fill(scalar.write, `${value}[i]`)};`,
      `${indent}}`,
    ];
  }
  if (!f.oneof) return [`${indent}w.${scalar.family}Field${typeArgument(scalar)}(${tag}, ${value});`];
  return [
    `${indent}if (this._${f.oneof.index} == ${f.number}) {`,
    `${indent}  w.tag(${tag});`,
    `${indent}  ${fill(scalar.write, `this._${f.name}`)};`,
    `${indent}}`,
  ];
}

/** The type argument of the runtime's generic singular-field helpers (none for strings and bytes). */
function typeArgument(scalar: Scalar): string {
  return scalar.family === "string" || scalar.family === "bytes" ? "" : `<${scalar.asType}>`;
}

function emitMapWrite(f: FieldPlan, ctx: MessageContext, indent: string): string[] {
  const key = f.key!;
  const writeValue = f.message
    ? [`w.message(${tagOf(2, WireType.lengthDelimited)}, value);`]
    : [`w.tag(${tagOf(2, f.scalar!.wireType)});`, `${fill(f.scalar!.write, "value")};`];
  return emitMapEntries(f, indent, [
    `w.tag(${tagOf(f.number, WireType.lengthDelimited)});`,
    `w.uint32(${mapEntrySize(f, ctx)});`,
    `w.tag(${tagOf(1, key.wireType)});`,
    `${fill(key.write, "key")};`,
    ...writeValue,
  ]);
}
