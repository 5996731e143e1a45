import { sessionChangeHandler } from '../../handlers/device/device-handler';
import { createClient } from './client';

/** The WSO2 EMM device function. */
export const handler = sessionChangeHandler(createClient);
