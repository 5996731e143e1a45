/**
 * zod/mini with zod's English messages. Mini loads no locale (every message would read "Invalid input"), and the
 * errors of task inputs and device secrets quote zod's message for the rules that have none of their own.
 *
 * Import it as `import * as z from '…/validation/zod'`. It re-exports with `export *`, not as a namespace object
 * (`export { z }`): esbuild then keeps only the functions used (about 20 KB) rather than all of zod and its locales.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
