import mongoose from 'mongoose';
import { collectionOptions, presentString, stringId } from './schema-fields.js';

/** `kv`: small named values; `_id` is the key. */
export interface KvDoc {
  _id: string;
  value: string;
}

export const kvSchema = new mongoose.Schema<KvDoc>({ _id: stringId, value: presentString('value') }, collectionOptions('kv'));
