/** Replaces every occurrence of each secret in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    // A very short value would also blank out ordinary words, and cannot be a real credential.
    if (secret && secret.length >= 4 && result.includes(secret)) {
      result = result.split(secret).join('[redacted]');
    }
  }
  return result;
}
