// Star and read changes on an article, shown at once and undone if the engine refuses.

import type { ArticleSummary } from "./bindings/ArticleSummary";
import { backend } from "./ipc";
import type { AppState } from "./state.svelte";

export async function toggleStar(app: AppState, article: ArticleSummary): Promise<void> {
  const next = !article.starred;
  article.starred = next;
  app.adjustStarred(next ? 1 : -1);
  try {
    await backend().setArticleStarred(article.id, next);
  } catch (e) {
    article.starred = !next;
    app.adjustStarred(next ? -1 : 1);
    throw e;
  }
}

export async function setArticleRead(article: ArticleSummary, read: boolean): Promise<void> {
  if (article.read === read) return;
  article.read = read;
  try {
    await backend().setArticleRead(article.id, read);
  } catch (e) {
    article.read = !read;
    throw e;
  }
}
