import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import type { DingTalkUser } from './dingtalk.strategy.mjs';

type Done = (err: Error | null, user: DingTalkUser) => void;

/** Keeps the whole (small) user in the session; a real app would store only its own user id. */
@Injectable()
export class SessionSerializer extends PassportSerializer {
  serializeUser(user: DingTalkUser, done: Done): void {
    done(null, user);
  }

  deserializeUser(payload: DingTalkUser, done: Done): void {
    done(null, payload);
  }
}
