import { sessionChangeHandler } from '../../handlers/device/device-handler';
import { createClient } from './client';

/** The Oracle SD-WAN Edge device function. */
export const handler = sessionChangeHandler(createClient);
