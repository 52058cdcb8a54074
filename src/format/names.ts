// Kubernetes name and key rules (apimachinery pkg/util/validation). Each check returns the rule that the value
// breaks, in words, or undefined when the value is valid. Lengths are checked before any pattern so that no
// pattern ever runs on long input.

import { goLowerForKeys } from './unicode.js';

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export const DNS1123_LABEL_RULE =
  "a DNS-1123 label: at most 63 characters, lower-case alphanumerics or '-', starting and ending with an alphanumeric";
export const DNS1123_SUBDOMAIN_RULE =
  "a DNS-1123 subdomain: at most 253 characters, lower-case alphanumerics, '-' or '.', each part starting and ending with an alphanumeric";
export const QUALIFIED_NAME_RULE =
  "a qualified name: an optional DNS-1123 subdomain prefix and '/', then at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
export const LABEL_VALUE_RULE =
  "a label value: empty, or at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";

export function checkDns1123Label(value: string): string | undefined {
  return value.length <= 63 && DNS1123_LABEL.test(value) ? undefined : DNS1123_LABEL_RULE;
}

export function checkDns1123Subdomain(value: string): string | undefined {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value) ? undefined : DNS1123_SUBDOMAIN_RULE;
}

/** A label key (and, after lower-casing, an annotation key). */
export function checkQualifiedName(value: string): string | undefined {
  const parts = value.split('/');
  const name = parts.length === 1 ? parts[0] : parts.length === 2 ? parts[1] : undefined;
  const prefix = parts.length === 2 ? parts[0] : undefined;
  const nameValid = name !== undefined && name.length <= 63 && QUALIFIED_NAME_PART.test(name);
  const prefixValid = prefix === undefined || checkDns1123Subdomain(prefix) === undefined;
  return nameValid && prefixValid ? undefined : QUALIFIED_NAME_RULE;
}

/**
 * Annotation keys follow the label-key rules after Go's strings.ToLower, so an upper-case prefix is legal, and so
 * are `İ` (U+0130) and the Kelvin sign (U+212A), which Go lowers to `i` and `k`.
 */
export function checkAnnotationKey(value: string): string | undefined {
  return checkQualifiedName(goLowerForKeys(value));
}

function isAlphanumeric(unit: number): boolean {
  return (unit >= 0x30 && unit <= 0x39) || ((unit | 0x20) >= 0x61 && (unit | 0x20) <= 0x7a);
}

function isLowerAlphanumeric(unit: number): boolean {
  return (unit >= 0x30 && unit <= 0x39) || (unit >= 0x61 && unit <= 0x7a);
}

/**
 * The key rules on `text[start, end)` without a slice, a split or a pattern, for the hot loop of the parser: true
 * only for an ASCII key that {@link checkQualifiedName} (or, with `annotation`, {@link checkAnnotationKey})
 * accepts. False means "ask the full check": keys with non-ASCII runes are left to it.
 */
export function isAsciiKeyAt(text: string, start: number, end: number, annotation: boolean): boolean {
  let slash = -1;
  for (let at = start; at < end; at += 1) {
    if (text.charCodeAt(at) === 0x2f) {
      if (slash >= 0) return false;
      slash = at;
    }
  }
  const nameStart = slash + 1 > start ? slash + 1 : start;
  if (end - nameStart < 1 || end - nameStart > 63) return false;
  if (!isAlphanumeric(text.charCodeAt(nameStart)) || !isAlphanumeric(text.charCodeAt(end - 1))) return false;
  for (let at = nameStart + 1; at < end - 1; at += 1) {
    const unit = text.charCodeAt(at);
    if (!isAlphanumeric(unit) && unit !== 0x2d && unit !== 0x5f && unit !== 0x2e) return false;
  }
  if (slash < 0) return true;
  if (slash - start < 1 || slash - start > 253) return false;
  const fold = annotation ? 0x20 : 0;
  let previous = 0x2e;
  for (let at = start; at < slash; at += 1) {
    const unit = text.charCodeAt(at);
    const lowered = unit >= 0x41 && unit <= 0x5a ? unit | fold : unit;
    if (isLowerAlphanumeric(lowered)) previous = lowered;
    else if (lowered === 0x2d && previous !== 0x2e) previous = lowered;
    else if (lowered === 0x2e && previous !== 0x2e && previous !== 0x2d) previous = lowered;
    else return false;
  }
  return previous !== 0x2e && previous !== 0x2d;
}

export function checkLabelValue(value: string): string | undefined {
  return value === '' || (value.length <= 63 && QUALIFIED_NAME_PART.test(value)) ? undefined : LABEL_VALUE_RULE;
}
