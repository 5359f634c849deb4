import type { ICustomPartitioner } from 'kafkajs';

/** kafkajs's default partitioner, each message's partition pinned at its first attempt (see pinnedPartitioner.mjs). */
export declare const pinnedPartitioner: ICustomPartitioner;
