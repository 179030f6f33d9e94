/** Replaces every occurrence of each secret in `text`, in any letter case, with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    // A very short value would also blank out ordinary words, and cannot be a real credential.
    if (!secret || secret.length < 4 || !result.toLowerCase().includes(secret.toLowerCase())) continue;
    result = result.replace(new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), '[redacted]');
  }
  return result;
}
