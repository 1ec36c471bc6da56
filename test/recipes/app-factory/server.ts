// #region recipe: testing-app-server
// server.ts
import { createApp } from './app.js';

// The one module that reads the environment and listens; tests import app.ts instead.
const { KVIXI_APP_ID, KVIXI_APP_SECRET, KVIXI_BASE_URL, SESSION_SECRET, PORT = '3000' } = process.env;
if (!SESSION_SECRET) throw new Error('Set SESSION_SECRET');
const app = createApp({ kvixiAppId: KVIXI_APP_ID, kvixiAppSecret: KVIXI_APP_SECRET, kvixiBaseURL: KVIXI_BASE_URL, sessionSecret: SESSION_SECRET });
app.listen(Number(PORT), () => console.log(`Listening on http://localhost:${PORT}`));
// #endregion
