-- Atlas initial schema: profiles, conversations, messages, voice sessions and usage events, all
-- behind row-level security.
--
-- Runs unchanged on a hosted Supabase project, on plain PostgreSQL and on PGlite (the last two
-- after supabase/bootstrap.sql). Every statement is idempotent, so re-running the file (by hand,
-- or after a partial failure outside a transaction) changes nothing. Nothing is created in the
-- `auth` schema, which hosted Supabase forbids: the triggers on auth.users call functions that
-- live in `public`, exactly as Supabase documents for user profiles.
--
-- Privileges: hosted Supabase grants everything on new tables to anon and authenticated by
-- default, so each table first revokes all from the API roles and then grants exactly what the
-- policies below expect; service_role (BYPASSRLS) gets full access for the server's background
-- writers. Revoking from all three first keeps the resulting ACL identical on every re-run.

-- ---------------------------------------------------------------------------------------------
-- Trigger functions

create or replace function public.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- The server's clock, never the client's: sync cursors compare these values.
  new.updated_at := now();
  return new;
end;
$$;

create or replace function public.protect_profile_tier() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Column privileges already keep `tier` out of reach of API roles; this second fence holds
  -- even if a later migration grants UPDATE on the whole table by mistake.
  if new.tier is distinct from old.tier and current_user in ('anon', 'authenticated') then
    raise exception 'only the service can change a tier' using errcode = '42501';
  end if;
  return new;
end;
$$;

-- Security definer: the inserting role (supabase_auth_admin on Supabase) has no rights on
-- public.profiles. An empty search_path makes every name below resolve only as written.
create or replace function public.handle_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, email, display_name)
  values (
    new.id,
    new.email,
    left(coalesce(
      new.raw_user_meta_data ->> 'display_name',
      new.raw_user_meta_data ->> 'full_name',
      new.raw_user_meta_data ->> 'name'
    ), 100)
  )
  on conflict (id) do nothing;
  return new;
end;
$$;

create or replace function public.handle_user_email_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.profiles set email = new.email where id = new.id;
  return new;
end;
$$;

-- Trigger functions cannot be called directly anyway; nobody outside the owner needs them.
revoke all on function public.set_updated_at() from public, anon, authenticated;
revoke all on function public.protect_profile_tier() from public, anon, authenticated;
revoke all on function public.handle_new_user() from public, anon, authenticated;
revoke all on function public.handle_user_email_change() from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- profiles: one per auth user; users read theirs and edit display fields, never the tier

create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  display_name text check (char_length(display_name) <= 100),
  avatar_url text check (char_length(avatar_url) <= 2048),
  tier text not null default 'free' check (tier in ('free', 'core', 'studio')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create or replace trigger profiles_set_updated_at
  before update on public.profiles
  for each row execute function public.set_updated_at();

create or replace trigger profiles_protect_tier
  before update on public.profiles
  for each row execute function public.protect_profile_tier();

alter table public.profiles enable row level security;

revoke all on table public.profiles from anon, authenticated, service_role;
grant select on table public.profiles to authenticated;
grant update (display_name, avatar_url) on table public.profiles to authenticated;
grant all on table public.profiles to service_role;

drop policy if exists profiles_select_own on public.profiles;
create policy profiles_select_own on public.profiles
  for select to authenticated
  using (id = (select auth.uid()));

drop policy if exists profiles_update_own on public.profiles;
create policy profiles_update_own on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

create or replace trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();

create or replace trigger on_auth_user_email_changed
  after update of email on auth.users
  for each row
  when (old.email is distinct from new.email)
  execute function public.handle_user_email_change();

-- Users who signed up before this migration (an existing Supabase project) get a profile too.
insert into public.profiles (id, email)
select id, email from auth.users
on conflict (id) do nothing;

-- ---------------------------------------------------------------------------------------------
-- conversations: soft-deleted through deleted_at so offline clients learn of deletions

create table if not exists public.conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text check (char_length(title) <= 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);

-- The conversation list and the sync pull ("what changed since") both read this order.
create index if not exists conversations_user_id_updated_at_idx
  on public.conversations (user_id, updated_at desc);

create or replace trigger conversations_set_updated_at
  before update on public.conversations
  for each row execute function public.set_updated_at();

alter table public.conversations enable row level security;

revoke all on table public.conversations from anon, authenticated, service_role;
grant select, insert, update, delete on table public.conversations to authenticated;
grant all on table public.conversations to service_role;

drop policy if exists conversations_select_own on public.conversations;
create policy conversations_select_own on public.conversations
  for select to authenticated
  using (user_id = (select auth.uid()));

drop policy if exists conversations_insert_own on public.conversations;
create policy conversations_insert_own on public.conversations
  for insert to authenticated
  with check (user_id = (select auth.uid()));

drop policy if exists conversations_update_own on public.conversations;
create policy conversations_update_own on public.conversations
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

drop policy if exists conversations_delete_own on public.conversations;
create policy conversations_delete_own on public.conversations
  for delete to authenticated
  using (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- messages: written only into the writer's own conversations

create table if not exists public.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  role text not null check (role in ('user', 'assistant', 'system')),
  content text not null default '',
  type text not null default 'text' check (char_length(type) between 1 and 40),
  metadata jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);

-- A conversation's transcript (newest first, paged); also serves the foreign key's cascade.
create index if not exists messages_conversation_id_created_at_idx
  on public.messages (conversation_id, created_at desc);
-- The sync pull across all of a user's conversations, and the user_id foreign key.
create index if not exists messages_user_id_updated_at_idx
  on public.messages (user_id, updated_at);

create or replace trigger messages_set_updated_at
  before update on public.messages
  for each row execute function public.set_updated_at();

alter table public.messages enable row level security;

revoke all on table public.messages from anon, authenticated, service_role;
grant select, insert, update, delete on table public.messages to authenticated;
grant all on table public.messages to service_role;

drop policy if exists messages_select_own on public.messages;
create policy messages_select_own on public.messages
  for select to authenticated
  using (user_id = (select auth.uid()));

drop policy if exists messages_insert_own on public.messages;
create policy messages_insert_own on public.messages
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and exists (
      select 1 from public.conversations c
      where c.id = conversation_id and c.user_id = (select auth.uid())
    )
  );

-- The same check on update, so a message cannot be moved into someone else's conversation.
drop policy if exists messages_update_own on public.messages;
create policy messages_update_own on public.messages
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (
    user_id = (select auth.uid())
    and exists (
      select 1 from public.conversations c
      where c.id = conversation_id and c.user_id = (select auth.uid())
    )
  );

drop policy if exists messages_delete_own on public.messages;
create policy messages_delete_own on public.messages
  for delete to authenticated
  using (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- voice_sessions: one row per call, written by the server; users may only read theirs

create table if not exists public.voice_sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  conversation_id uuid references public.conversations (id) on delete set null,
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  duration_ms integer check (duration_ms >= 0),
  stt_seconds numeric(12, 3) not null default 0 check (stt_seconds >= 0),
  llm_input_tokens integer not null default 0 check (llm_input_tokens >= 0),
  llm_output_tokens integer not null default 0 check (llm_output_tokens >= 0),
  tts_characters integer not null default 0 check (tts_characters >= 0),
  -- Eight decimals: a single token can cost well under a millionth of a dollar.
  stt_cost_usd numeric(16, 8) not null default 0 check (stt_cost_usd >= 0),
  llm_cost_usd numeric(16, 8) not null default 0 check (llm_cost_usd >= 0),
  tts_cost_usd numeric(16, 8) not null default 0 check (tts_cost_usd >= 0),
  cost_usd numeric(16, 8) not null default 0 check (cost_usd >= 0),
  end_reason text check (char_length(end_reason) <= 100),
  metrics jsonb not null default '{}'::jsonb check (jsonb_typeof(metrics) = 'object'),
  created_at timestamptz not null default now(),
  check (ended_at is null or ended_at >= started_at)
);

create index if not exists voice_sessions_user_id_started_at_idx
  on public.voice_sessions (user_id, started_at desc);
-- Lets "on delete set null" find a deleted conversation's sessions without a scan.
create index if not exists voice_sessions_conversation_id_idx
  on public.voice_sessions (conversation_id);

alter table public.voice_sessions enable row level security;

revoke all on table public.voice_sessions from anon, authenticated, service_role;
grant select on table public.voice_sessions to authenticated;
grant all on table public.voice_sessions to service_role;

drop policy if exists voice_sessions_select_own on public.voice_sessions;
create policy voice_sessions_select_own on public.voice_sessions
  for select to authenticated
  using (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- usage_events: the billing ledger, written by the server only. The uuid key lets a writer
-- choose the id up front and retry an insert with "on conflict do nothing" without counting
-- an event twice.

create table if not exists public.usage_events (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  feature text not null
    check (feature in ('chat', 'voice_stt', 'voice_llm', 'voice_tts', 'vision', 'ritual')),
  model text check (char_length(model) <= 200),
  tokens_input integer not null default 0 check (tokens_input >= 0),
  tokens_output integer not null default 0 check (tokens_output >= 0),
  cost_usd numeric(16, 8) not null default 0 check (cost_usd >= 0),
  meta jsonb not null default '{}'::jsonb check (jsonb_typeof(meta) = 'object'),
  created_at timestamptz not null default now()
);

-- A user's usage over a period (dashboard, budget checks); also the user_id foreign key.
create index if not exists usage_events_user_id_created_at_idx
  on public.usage_events (user_id, created_at desc);
create index if not exists usage_events_feature_idx
  on public.usage_events (feature);

alter table public.usage_events enable row level security;

revoke all on table public.usage_events from anon, authenticated, service_role;
grant select on table public.usage_events to authenticated;
grant all on table public.usage_events to service_role;

drop policy if exists usage_events_select_own on public.usage_events;
create policy usage_events_select_own on public.usage_events
  for select to authenticated
  using (user_id = (select auth.uid()));
