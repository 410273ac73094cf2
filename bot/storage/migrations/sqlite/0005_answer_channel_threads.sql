-- Issue 14: an answer channel can answer each question in a new thread (`threads: True`).
-- (Numbered 0005 on main: voice study rooms take 0003, milestone roles 0004.)

ALTER TABLE answer_channels ADD COLUMN threads INTEGER NOT NULL DEFAULT 0 CHECK (threads IN (0, 1));
