// Stories: what an alert row and the reader say about the other outlets that reported an event.

import type { AlertStory } from "./bindings/AlertStory";
import type { Story } from "./bindings/Story";
import type { StoryArticle } from "./bindings/StoryArticle";

function lead(secs: number): string {
  const mins = Math.floor(Math.max(0, secs) / 60);
  if (mins < 1) return "under a minute";
  if (mins < 120) return `${mins} min`;
  return `${Math.floor(mins / 60)} h`;
}

/** "12 outlets · Dawn first, 14 min before Reuters" (the engine's `AlertStory::line`). */
export function storyLine(s: AlertStory): string {
  const outlets = s.outlets === 1 ? "1 outlet" : `${s.outlets} outlets`;
  if (s.first_outlet && s.second_outlet && s.lead_secs !== null) {
    return `${outlets} · ${s.first_outlet} first, ${lead(s.lead_secs)} before ${s.second_outlet}`;
  }
  if (s.first_outlet) return `${outlets} · ${s.first_outlet} first`;
  return outlets;
}

/** Each outlet's first report of a story, first to report first. */
export function firstReports(story: Story): StoryArticle[] {
  const seen = new Set<string>();
  const out: StoryArticle[] = [];
  for (const a of story.articles) {
    if (seen.has(a.feed)) continue;
    seen.add(a.feed);
    out.push(a);
  }
  return out;
}
