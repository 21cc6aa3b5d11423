/**
 * Naming rules of the generated AssemblyScript: where a protobuf type lives (package namespace and file),
 * what it is called (`Outer_Inner` for nested types), how other code refers to it, and how .proto comments
 * become doc comments.
 *
 * @module
 */
import protobuf from "protobufjs";
import { RUNTIME_EXPORTS } from "./runtime.ts";

/** A message or enum type. */
export type NamedType = protobuf.Type | protobuf.Enum;

/** The package of a reflection object as namespace segments (`["google", "protobuf"]`); empty for none. */
export function packageOf(object: protobuf.ReflectionObject): string[] {
  let parent = object.parent;
  while (parent && parent instanceof protobuf.Type) parent = parent.parent;
  const segments: string[] = [];
  for (let ns = parent; ns && ns.parent; ns = ns.parent) segments.unshift(ns.name);
  return segments;
}

/**
 * The name of a type inside its package namespace: nested types are joined with `_` (`Outer_Inner`), and a
 * name AssemblyScript reserves gets a trailing `_` (see {@linkcode declaredName}).
 */
export function localName(type: protobuf.ReflectionObject): string {
  const names = [type.name];
  for (let parent = type.parent; parent instanceof protobuf.Type; parent = parent.parent) {
    names.unshift(parent.name);
  }
  return declaredName(names.join("_"));
}

/** The file (relative to the output folder, without `.ts`) that holds a package's namespace. */
export function moduleOf(packageSegments: readonly string[]): string {
  return packageSegments.length === 0 ? "no-package" : packageSegments[0];
}

/**
 * How code in package `from` refers to `type`: its local name inside the same package, otherwise the
 * package-qualified name (`google.protobuf.Value`), whose first segment the file imports.
 */
export function referenceTo(type: protobuf.ReflectionObject, from: readonly string[]): string {
  const pkg = packageOf(type);
  const samePackage = pkg.length === from.length && pkg.every((segment, i) => segment === from[i]);
  return samePackage ? localName(type) : [...pkg.map(declaredName), localName(type)].join(".");
}

/** The name of `type` qualified by its package, as code outside every package writes it: `google.protobuf.Value`. */
export function qualifiedName(type: protobuf.ReflectionObject): string {
  return referenceTo(type, []);
}

/** Renders a .proto comment as a doc comment at `indent`; no lines when there is no comment. */
export function docComment(comment: string | null | undefined, indent: string): string[] {
  if (!comment || comment.trim() === "") return [];
  const lines = comment.replaceAll("*/", "*\\/").split("\n").map((line) => line.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 1) return [`${indent}/** ${lines[0].trim()} */`];
  return [
    `${indent}/**`,
    ...lines.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)),
    `${indent} */`,
  ];
}

/** `name` with its leading capitals lowered, the way a method is named after a type: `SAMLIdPAuth` -> `samlIdPAuth`. */
export function lowerCamel(name: string): string {
  const leading = /^[A-Z]+/.exec(name)?.[0] ?? "";
  if (leading.length <= 1 || leading.length === name.length) {
    return name.slice(0, leading.length).toLowerCase() + name.slice(leading.length);
  }
  // "SAMLIdP": lower "SAML" but keep the "I" that starts the next word.
  const lowered = leading.length - 1;
  return name.slice(0, lowered).toLowerCase() + name.slice(lowered);
}

/** Words AssemblyScript does not accept as a property name. */
const KEYWORDS = new Set(
  ("abstract async await break case catch class const continue debugger declare default delete do else enum " +
    "export extends false finally for function if implements import in instanceof interface let new null of " +
    "override package private protected public return static super switch this throw true try typeof var " +
    "void while with yield").split(" "),
);

/**
 * Names that cannot be declared by generated code beyond {@linkcode KEYWORDS}: words AssemblyScript's parser
 * reads as the start of a declaration or type (`type`, `namespace`, `get`, ...), and the names generated
 * code refers to, which a class or namespace of the same name would shadow (`string`, `i32`, `Map`, and the
 * runtime's `Message`, `Reader`, ...).
 */
const DECLARATION_RESERVED = new Set([
  ..."as constructor from get is keyof module namespace readonly set type".split(" "),
  ..."i8 i16 i32 i64 u8 u16 u32 u64 isize usize f32 f64 v128 bool string ArrayBuffer Array Map".split(" "),
  ...RUNTIME_EXPORTS,
]);

/** `name`, or `name_` when it is an AssemblyScript keyword (a field called `default`, an enum value `in`). */
export function safeName(name: string): string {
  return KEYWORDS.has(name) ? `${name}_` : name;
}

/**
 * The name generated code declares for a class, enum, package namespace or constant called `name`: `name`,
 * or `name_` when AssemblyScript reserves it or generated code uses it for something else (a message
 * called `let`, `type`, `string` or `Message`). Every declaration and reference goes through this function,
 * so they always agree.
 */
export function declaredName(name: string): string {
  return KEYWORDS.has(name) || DECLARATION_RESERVED.has(name) ? `${name}_` : name;
}

/** Returns `name`, or `name_`, `name__`, ... the first that `taken` does not contain. */
export function unique(name: string, taken: ReadonlySet<string>): string {
  let candidate = name;
  while (taken.has(candidate)) candidate += "_";
  return candidate;
}
