// Preloaded (--import) into worker threads started from the TypeScript sources (see
// start-worker.ts): registers tsx's loader in the thread, so it can import .ts modules. On
// Node 20, `--import tsx` itself registers tsx on the main thread only. Never used by dist/.
import { register } from 'tsx/esm/api';

register();
