// Native file dialogs for OPML import and export (tauri-plugin-dialog).

import { open, save } from "@tauri-apps/plugin-dialog";

const OPML_FILTERS = [
  { name: "OPML subscription list", extensions: ["opml", "xml"] },
  { name: "All files", extensions: ["*"] },
];

/** Asks for an OPML file to import; `null` when the user cancels. */
export async function chooseOpmlToImport(): Promise<string | null> {
  const picked = await open({ title: "Import feeds from OPML", multiple: false, directory: false, filters: OPML_FILTERS });
  return typeof picked === "string" ? picked : null;
}

/** Asks where to export the subscriptions; `null` when the user cancels. */
export async function chooseOpmlExportPath(): Promise<string | null> {
  return save({ title: "Export feeds as OPML", defaultPath: "wirewatch-feeds.opml", filters: OPML_FILTERS });
}
