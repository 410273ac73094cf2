-- Answer channels that answer each question in a new thread (see sqlite/ of the same number).

ALTER TABLE answer_channels ADD COLUMN threads INTEGER NOT NULL DEFAULT 0 CHECK (threads IN (0, 1));
