import { sessionChangeHandler } from '../../handlers/device/device-handler';
import { createClient } from './client';

/** The Oracle Unified Assurance device function. */
export const handler = sessionChangeHandler(createClient);
