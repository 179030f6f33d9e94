import type { ServerResponse } from 'node:http';

import { sendAPIError } from './api-response';
import { escapeHTML } from './html';
import type { EmulatorUser } from './types';

/** Avatars are served by the emulator itself, so pages that show them work without internet. */
export const avatarPathPrefix = '/avatars/';

const palette = ['#3296fa', '#ff8f1f', '#00b578', '#7e57c2', '#f5475b'];

/** `GET /avatars/<unionId>.svg`: a round picture with the first character of the nick. */
export function handleAvatarRequest(users: readonly EmulatorUser[], path: string, res: ServerResponse): void {
  const name = decodeURIComponent(path.slice(avatarPathPrefix.length)).replace(/\.svg$/, '');
  const index = users.findIndex((user) => user.unionId === name);
  const user = users[index];
  if (!user) {
    sendAPIError(res, 404, 'InvalidAction.NotFound', 'No such avatar.');
    return;
  }
  const initial = Array.from(user.nick)[0] ?? '?';
  const color = palette[index % palette.length];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
<circle cx="64" cy="64" r="64" fill="${color}"/>
<text x="64" y="64" dy=".35em" text-anchor="middle" font-size="60" fill="#fff"
 font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif">${escapeHTML(initial)}</text>
</svg>`;
  res.writeHead(200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'max-age=3600' });
  res.end(svg);
}

/** An avatar URL given as a path (such as the default users') is served by this emulator. */
export function absoluteAvatarURL(avatarUrl: string, host: string | undefined): string {
  if (!avatarUrl.startsWith('/') || !host) return avatarUrl;
  return new URL(avatarUrl, `http://${host}`).href;
}
