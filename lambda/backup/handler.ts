// Placeholder so that the construct can bundle an entry point while the Lambda is being
// written (helper "lambda" replaces this file with the real handler).
export async function handler(): Promise<never> {
  throw new Error('backup handler not implemented yet');
}
