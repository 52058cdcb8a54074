// Kubernetes name and key rules (apimachinery pkg/util/validation). Each check returns the rule that the value
// breaks, in words, or undefined when the value is valid. Lengths are checked before any pattern so that no
// pattern ever runs on long input.

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

/** Annotation keys follow the label-key rules after lower-casing, so an upper-case prefix is legal. */
export function checkAnnotationKey(value: string): string | undefined {
  return checkQualifiedName(value.toLowerCase());
}

export function checkLabelValue(value: string): string | undefined {
  return value === '' || (value.length <= 63 && QUALIFIED_NAME_PART.test(value)) ? undefined : LABEL_VALUE_RULE;
}
