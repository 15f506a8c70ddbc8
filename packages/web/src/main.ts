import type { ServerMessage } from "@pipeline/core";
import { ApiClient, ApiError } from "./ApiClient.js";
import { BatchListView, type BatchActions } from "./BatchListView.js";
import { loadConfig, type DashboardConfig } from "./config.js";
import { ProgressStore, type BatchState } from "./progressStore.js";
import { ReconnectingSocket, type ConnectionState } from "./ReconnectingSocket.js";
import { forgetSession, isExpired, keepSession, restoreSession, sessionFromToken, type Session } from "./session.js";

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

const ui = {
  connection: byId("connection"),
  session: byId("session"),
  who: byId("who"),
  signOut: byId<HTMLButtonElement>("sign-out"),
  fatal: byId("fatal"),
  signIn: byId("sign-in"),
  signInForm: byId<HTMLFormElement>("sign-in-form"),
  userName: byId<HTMLInputElement>("user-name"),
  signInError: byId("sign-in-error"),
  workspace: byId("workspace"),
  files: byId<HTMLInputElement>("files"),
  dropZone: byId("drop-zone"),
  uploadStatus: byId("upload-status"),
  uploadError: byId("upload-error"),
  noBatches: byId("no-batches"),
  batches: byId<HTMLOListElement>("batches"),
  announcer: byId("announcer"),
};

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Live",
  reconnecting: "Connection lost, reconnecting…",
  stopped: "Offline",
};

/** Everything that lives while a user is signed in. */
interface Signed {
  session: Session;
  api: ApiClient;
  store: ProgressStore;
  socket: ReconnectingSocket;
  view: BatchListView;
}

let signed: Signed | undefined;

function showMessage(element: HTMLElement, message: string | null): void {
  element.textContent = message ?? "";
  element.hidden = message === null;
}

function announce(message: string): void {
  ui.announcer.textContent = message;
}

function showConnection(state: ConnectionState, retryInMillis?: number): void {
  ui.connection.dataset.state = state;
  ui.connection.textContent =
    state === "reconnecting" && retryInMillis !== undefined ? `Connection lost, reconnecting in ${Math.ceil(retryInMillis / 1000)} s…` : CONNECTION_TEXT[state];
}

function signIn(config: DashboardConfig, session: Session): void {
  keepSession(session);
  const dirty = new Set<string>();
  let frame = 0;
  const socket = new ReconnectingSocket({
    url: () => `${config.wsUrl}?token=${encodeURIComponent(session.token)}`,
    onMessage: (data) => store.apply(data as ServerMessage),
    // Pushes sent while the socket was down are gone: every batch on screen is caught up from a snapshot.
    onOpen: () => store.list().forEach((batch) => socket.send({ action: "subscribe", batchId: batch.batchId })),
    onState: (state, retryInMillis) => {
      if (state === "reconnecting" && isExpired(session)) signOut("Your session has expired. Sign in again.");
      else showConnection(state, retryInMillis);
    },
  });
  const store = new ProgressStore({
    changed: (batchId) => {
      dirty.add(batchId);
      frame ||= requestAnimationFrame(() => {
        frame = 0;
        const batches = store.list();
        view.render(batches, dirty);
        dirty.clear();
        ui.noBatches.hidden = batches.length > 0;
      });
    },
    subscribe: (batchId, after) => socket.send({ action: "subscribe", batchId, ...(after ? { after } : {}) }),
    finished: (batch: BatchState) => announce(`Batch of ${batch.total} files ${batch.status}: ${batch.successful} succeeded, ${batch.failed} failed.`),
  });
  const api = new ApiClient(config.apiUrl, session.token);
  // A refused control shows its reason on the batch's row; an expired session signs out.
  const control =
    (call: (batchId: string) => Promise<unknown>) =>
    async (batchId: string): Promise<void> => {
      try {
        await call(batchId);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) signOut("Your session has expired. Sign in again.");
        throw error;
      }
    };
  const actions: BatchActions = {
    pause: control((batchId) => api.pauseBatch(batchId)),
    resume: control((batchId) => api.resumeBatch(batchId)),
    cancel: control((batchId) => api.cancelBatch(batchId)),
  };
  const view = new BatchListView(ui.batches, (batchId, uploadId) => api.thumbnailUrl(batchId, uploadId), actions);
  signed = { session, api, store, socket, view };

  ui.who.textContent = session.userId;
  ui.signIn.hidden = true;
  ui.session.hidden = false;
  ui.workspace.hidden = false;
  socket.start();
  api.listBatches().then(
    (batches) => batches.forEach((batch) => store.addListed(batch)),
    (error: unknown) => failed(error, ui.uploadError),
  );
}

function signOut(reason?: string): void {
  signed?.socket.stop();
  signed?.view.clear();
  signed = undefined;
  forgetSession();
  ui.workspace.hidden = true;
  ui.session.hidden = true;
  ui.signIn.hidden = false;
  showMessage(ui.signInError, reason ?? null);
  ui.userName.focus();
}

function failed(error: unknown, where: HTMLElement): void {
  if (error instanceof ApiError && error.status === 401) return signOut("Your session has expired. Sign in again.");
  showMessage(where, error instanceof Error ? error.message : String(error));
}

async function upload(files: readonly File[]): Promise<void> {
  if (!signed || files.length === 0) return;
  const { api, store } = signed;
  showMessage(ui.uploadError, null);
  ui.files.disabled = true;
  ui.uploadStatus.textContent = `Uploading ${files.length} file${files.length === 1 ? "" : "s"}…`;
  try {
    const batch = await api.createBatch(files);
    store.addCreated(batch.batchId, batch.uploads, new Date().toISOString());
    announce(`Batch of ${batch.total} files created.`);
    ui.uploadStatus.textContent = "";
  } catch (error) {
    ui.uploadStatus.textContent = "";
    failed(error, ui.uploadError);
  } finally {
    ui.files.disabled = false;
    // Choosing the same files again must fire `change` again.
    ui.files.value = "";
  }
}

async function start(): Promise<void> {
  let config: DashboardConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    showMessage(ui.fatal, `The dashboard is not configured: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }

  ui.signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    showMessage(ui.signInError, null);
    ApiClient.devToken(config.apiUrl, ui.userName.value.trim()).then(
      ({ token }) => {
        const session = sessionFromToken(token);
        if (session) signIn(config, session);
        else showMessage(ui.signInError, "The token service returned a token this page cannot read.");
      },
      (error: unknown) => showMessage(ui.signInError, error instanceof Error ? error.message : String(error)),
    );
  });
  ui.signOut.addEventListener("click", () => signOut());
  ui.files.addEventListener("change", () => void upload([...(ui.files.files ?? [])]));
  ui.dropZone.addEventListener("dragover", (event) => {
    event.preventDefault();
    ui.dropZone.classList.add("dragging");
  });
  ui.dropZone.addEventListener("dragleave", () => ui.dropZone.classList.remove("dragging"));
  ui.dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    ui.dropZone.classList.remove("dragging");
    void upload([...(event.dataTransfer?.files ?? [])]);
  });
  // A file dropped beside the zone would otherwise replace the dashboard with the file.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
  window.addEventListener("online", () => signed?.socket.retryNow());

  const session = restoreSession();
  if (session) signIn(config, session);
  else signOut();
}

void start();
