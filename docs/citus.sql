-- Distributing the gateway's schema on Citus, on paper: written against the schema that migrations 0001-0008
-- build (a pg_dump of a fresh `upgrade`), checked against Citus's source (its planner and DDL checks), NOT run:
-- Citus is not installable on the development machines. docs/scaling.md says why each table goes where, and
-- which queries must change with it. Citus 11.1 or later (create_distributed_table_concurrently; metadata synced
-- to the workers by default).
--
-- Three parts, in this order:
--   A. migration 0009, plain PostgreSQL (it runs, and must pass the tests, on a single node too): every
--      per-contract table gets platform_id, and every primary key, unique key and foreign key among the hot
--      tables leads with it. Released together with the code changes listed in docs/scaling.md.
--   B. on the Citus coordinator: foreign keys dropped, then tables replicated (reference), distributed
--      (by platform_id, one co-location group) or added to Citus's metadata (local, on the coordinator).
--   C. foreign keys added back; Citus now checks each one against its rules.
-- B and C run with the gateway stopped: create_distributed_table copies a populated table and blocks its
-- writes meanwhile (create_distributed_table_concurrently does not, but it refuses a table that local or
-- reference tables reference, which is why B drops every foreign key first).

-- ============================================================================================================
-- A. Migration 0009 (plain PostgreSQL)
-- ============================================================================================================
BEGIN;

-- A1. platform_id on every table that hangs off a contract, filled from the contract. (invoice has it already.)
ALTER TABLE violation      ADD COLUMN platform_id integer;
ALTER TABLE contract_event ADD COLUMN platform_id integer;
ALTER TABLE settlement     ADD COLUMN platform_id integer;
ALTER TABLE payout         ADD COLUMN platform_id integer;
ALTER TABLE declaration    ADD COLUMN platform_id integer;
ALTER TABLE outbox_message ADD COLUMN platform_id integer;
ALTER TABLE outbox_attempt ADD COLUMN platform_id integer;

UPDATE violation t      SET platform_id = c.platform_id FROM contract c WHERE c.id = t.contract_id;
UPDATE contract_event t SET platform_id = c.platform_id FROM contract c WHERE c.id = t.contract_id;
UPDATE settlement t     SET platform_id = c.platform_id FROM contract c WHERE c.id = t.contract_id;
UPDATE payout t         SET platform_id = c.platform_id FROM contract c WHERE c.id = t.contract_id;
UPDATE declaration t    SET platform_id = c.platform_id FROM contract c WHERE c.id = t.contract_id;
-- Every message the code enqueues has a contract; a fanned-out callback also has its endpoint; the payload's
-- `platform` slug is the last resort callbacks.service.platform_of already uses.
UPDATE outbox_message m SET platform_id = coalesce(
    (SELECT c.platform_id FROM contract c WHERE c.id = m.contract_id),
    (SELECT e.platform_id FROM callback_endpoint e WHERE e.id = m.endpoint_id),
    (SELECT p.id FROM platform p WHERE p.slug = m.payload ->> 'platform'));
UPDATE outbox_attempt a SET platform_id = m.platform_id FROM outbox_message m WHERE m.id = a.message_id;

-- NOT NULL makes the migration fail, rather than guess, if a row belongs to no platform: such a row has no shard.
ALTER TABLE violation      ALTER COLUMN platform_id SET NOT NULL;
ALTER TABLE contract_event ALTER COLUMN platform_id SET NOT NULL;
ALTER TABLE settlement     ALTER COLUMN platform_id SET NOT NULL;
ALTER TABLE payout         ALTER COLUMN platform_id SET NOT NULL;
ALTER TABLE declaration    ALTER COLUMN platform_id SET NOT NULL;
ALTER TABLE outbox_message ALTER COLUMN platform_id SET NOT NULL;
ALTER TABLE outbox_attempt ALTER COLUMN platform_id SET NOT NULL;

-- A2. Foreign keys onto the keys that widen below. The ledger's goes for good (docs/scaling.md: a local table
-- may not reference a distributed one); the others come back in A4, composite.
ALTER TABLE contract_event     DROP CONSTRAINT fk_contract_event_contract_id_contract;
ALTER TABLE violation          DROP CONSTRAINT fk_violation_contract_id_contract;
ALTER TABLE settlement         DROP CONSTRAINT fk_settlement_contract_id_contract;
ALTER TABLE invoice            DROP CONSTRAINT fk_invoice_contract_id_contract;
ALTER TABLE payout             DROP CONSTRAINT fk_payout_contract_id_contract;
ALTER TABLE declaration        DROP CONSTRAINT fk_declaration_contract_id_contract;
ALTER TABLE outbox_message     DROP CONSTRAINT fk_outbox_message_contract_id_contract;
ALTER TABLE ledger_entry       DROP CONSTRAINT fk_ledger_entry_contract_id_contract;
ALTER TABLE contract           DROP CONSTRAINT fk_contract_rider_id_rider;
ALTER TABLE payout             DROP CONSTRAINT fk_payout_rider_id_rider;
ALTER TABLE coopcycle_session  DROP CONSTRAINT fk_coopcycle_session_rider_id_rider;
ALTER TABLE coopcycle_delivery DROP CONSTRAINT fk_coopcycle_delivery_session_id_coopcycle_session;
ALTER TABLE outbox_attempt     DROP CONSTRAINT fk_outbox_attempt_message_id_outbox_message;
ALTER TABLE outbox_message     DROP CONSTRAINT fk_outbox_message_endpoint_id_callback_endpoint;

-- A3. Primary and unique keys lead with platform_id (Citus: a distributed table's PRIMARY KEY and UNIQUE
-- constraints must contain its distribution column). The keys that already do are left alone:
-- uq_contract_platform_id_shift_code, uq_inbox_message_platform_id_message_id, uq_rider_platform_id_external_id,
-- uq_coopcycle_delivery_platform_id_iri, uq_coopcycle_session_platform_id_shift_code.
ALTER TABLE contract           DROP CONSTRAINT pk_contract,           ADD CONSTRAINT pk_contract PRIMARY KEY (platform_id, id);
ALTER TABLE rider              DROP CONSTRAINT pk_rider,              ADD CONSTRAINT pk_rider PRIMARY KEY (platform_id, id);
ALTER TABLE inbox_message      DROP CONSTRAINT pk_inbox_message,      ADD CONSTRAINT pk_inbox_message PRIMARY KEY (platform_id, id);
ALTER TABLE contract_event     DROP CONSTRAINT pk_contract_event,     ADD CONSTRAINT pk_contract_event PRIMARY KEY (platform_id, id);
ALTER TABLE violation          DROP CONSTRAINT pk_violation,          ADD CONSTRAINT pk_violation PRIMARY KEY (platform_id, id);
ALTER TABLE settlement         DROP CONSTRAINT pk_settlement,         ADD CONSTRAINT pk_settlement PRIMARY KEY (platform_id, contract_id);
ALTER TABLE invoice            DROP CONSTRAINT pk_invoice,            ADD CONSTRAINT pk_invoice PRIMARY KEY (platform_id, id),
                               DROP CONSTRAINT uq_invoice_contract_id,
                               ADD CONSTRAINT uq_invoice_platform_id_contract_id UNIQUE (platform_id, contract_id);
ALTER TABLE payout             DROP CONSTRAINT pk_payout,             ADD CONSTRAINT pk_payout PRIMARY KEY (platform_id, id),
                               DROP CONSTRAINT uq_payout_contract_id,
                               ADD CONSTRAINT uq_payout_platform_id_contract_id UNIQUE (platform_id, contract_id);
ALTER TABLE declaration        DROP CONSTRAINT pk_declaration,        ADD CONSTRAINT pk_declaration PRIMARY KEY (platform_id, id),
                               DROP CONSTRAINT uq_declaration_contract_id,
                               ADD CONSTRAINT uq_declaration_platform_id_contract_id UNIQUE (platform_id, contract_id);
ALTER TABLE outbox_message     DROP CONSTRAINT pk_outbox_message,     ADD CONSTRAINT pk_outbox_message PRIMARY KEY (platform_id, id);
ALTER TABLE outbox_attempt     DROP CONSTRAINT pk_outbox_attempt,     ADD CONSTRAINT pk_outbox_attempt PRIMARY KEY (platform_id, id);
ALTER TABLE callback_endpoint  DROP CONSTRAINT pk_callback_endpoint,  ADD CONSTRAINT pk_callback_endpoint PRIMARY KEY (platform_id, id);
ALTER TABLE coopcycle_session  DROP CONSTRAINT pk_coopcycle_session,  ADD CONSTRAINT pk_coopcycle_session PRIMARY KEY (platform_id, id);
ALTER TABLE coopcycle_delivery DROP CONSTRAINT pk_coopcycle_delivery, ADD CONSTRAINT pk_coopcycle_delivery PRIMARY KEY (platform_id, id);

-- A4. The foreign keys again, each with platform_id first on both sides (Citus: between two co-located
-- distributed tables, a foreign key must contain the distribution column at the same position on both sides).
-- Same actions as before. MATCH SIMPLE as before: a NULL contract_id, endpoint_id or session_id is not checked.
ALTER TABLE contract           ADD CONSTRAINT fk_contract_platform_id_rider
    FOREIGN KEY (platform_id, rider_id) REFERENCES rider (platform_id, id) ON DELETE RESTRICT;
ALTER TABLE payout             ADD CONSTRAINT fk_payout_platform_id_rider
    FOREIGN KEY (platform_id, rider_id) REFERENCES rider (platform_id, id) ON DELETE RESTRICT;
ALTER TABLE coopcycle_session  ADD CONSTRAINT fk_coopcycle_session_platform_id_rider
    FOREIGN KEY (platform_id, rider_id) REFERENCES rider (platform_id, id) ON DELETE RESTRICT;
ALTER TABLE contract_event     ADD CONSTRAINT fk_contract_event_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE violation          ADD CONSTRAINT fk_violation_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE settlement         ADD CONSTRAINT fk_settlement_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE invoice            ADD CONSTRAINT fk_invoice_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE payout             ADD CONSTRAINT fk_payout_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE declaration        ADD CONSTRAINT fk_declaration_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE outbox_message     ADD CONSTRAINT fk_outbox_message_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE outbox_message     ADD CONSTRAINT fk_outbox_message_platform_id_callback_endpoint
    FOREIGN KEY (platform_id, endpoint_id) REFERENCES callback_endpoint (platform_id, id) ON DELETE CASCADE;
ALTER TABLE outbox_attempt     ADD CONSTRAINT fk_outbox_attempt_platform_id_outbox_message
    FOREIGN KEY (platform_id, message_id) REFERENCES outbox_message (platform_id, id) ON DELETE CASCADE;
ALTER TABLE coopcycle_delivery ADD CONSTRAINT fk_coopcycle_delivery_platform_id_coopcycle_session
    FOREIGN KEY (platform_id, session_id) REFERENCES coopcycle_session (platform_id, id) ON DELETE RESTRICT;
-- The new platform_id columns reference the platform like every other one (distributed -> reference: allowed).
ALTER TABLE violation      ADD CONSTRAINT fk_violation_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE contract_event ADD CONSTRAINT fk_contract_event_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE settlement     ADD CONSTRAINT fk_settlement_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE payout         ADD CONSTRAINT fk_payout_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE declaration    ADD CONSTRAINT fk_declaration_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE outbox_message ADD CONSTRAINT fk_outbox_message_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE outbox_attempt ADD CONSTRAINT fk_outbox_attempt_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;

-- A5. The claim queries become per platform (docs/scaling.md); their indexes lead with platform_id. The old
-- ones stay for the staff listings that read across platforms.
CREATE INDEX ix_contract_platform_status_ends_at ON contract (platform_id, status, ends_at);
CREATE INDEX ix_contract_platform_status_settle_after ON contract (platform_id, status, settle_after);
CREATE INDEX ix_outbox_message_platform_due ON outbox_message (platform_id, status, next_attempt_at);
CREATE INDEX ix_payout_platform_status_due_on ON payout (platform_id, status, due_on);
CREATE INDEX ix_invoice_platform_status_issued_at ON invoice (platform_id, status, issued_at);
CREATE INDEX ix_coopcycle_delivery_platform_fetch_due_at ON coopcycle_delivery (platform_id, fetch_due_at);
CREATE INDEX ix_coopcycle_session_platform_status_closes_at ON coopcycle_session (platform_id, status, closes_at);

COMMIT;

-- Optional, before any node other than the coordinator inserts (queries sent to workers, or a distributed
-- function): Citus gives each node's copy of a bigint sequence its own range ((group id << 48) + 1 onwards) but
-- sets an integer sequence's copies on the workers to their maximum, so nextval() there fails. The serial ids of
-- the distributed tables are integer today. Each pair below is a table rewrite.
--   ALTER TABLE rider ALTER COLUMN id TYPE bigint;          ALTER SEQUENCE rider_id_seq AS bigint;
--   ALTER TABLE contract_event ALTER COLUMN id TYPE bigint; ALTER SEQUENCE contract_event_id_seq AS bigint;
--   ... likewise violation, declaration, inbox_message, outbox_message, outbox_attempt, callback_endpoint,
--   coopcycle_session, coopcycle_delivery, and the columns that refer to them: contract.rider_id,
--   payout.rider_id, coopcycle_session.rider_id, outbox_attempt.message_id, outbox_message.endpoint_id,
--   coopcycle_delivery.session_id, rider_link_use.rider_id.

-- ============================================================================================================
-- B. On the Citus coordinator (CREATE EXTENSION citus; the workers added with citus_add_node; the coordinator
--    itself registered with citus_set_coordinator_host, which Citus local tables need).
-- ============================================================================================================

-- B1. Drop every foreign key that will join two Citus tables; C adds each back. Why: create_reference_table
-- on `platform` would turn the Postgres tables that reference it into Citus local tables, and
-- create_distributed_table on such a table drops and re-creates the foreign keys it is part of: re-creating one
-- from a still-local child to the now-distributed parent is refused. Without foreign keys the order of B2-B4
-- does not matter.
ALTER TABLE api_credential     DROP CONSTRAINT fk_api_credential_platform_id_platform;
ALTER TABLE callback_endpoint  DROP CONSTRAINT fk_callback_endpoint_platform_id_platform;
ALTER TABLE contract           DROP CONSTRAINT fk_contract_platform_id_platform;
ALTER TABLE coopcycle_account  DROP CONSTRAINT fk_coopcycle_account_platform_id_platform;
ALTER TABLE coopcycle_delivery DROP CONSTRAINT fk_coopcycle_delivery_platform_id_platform;
ALTER TABLE coopcycle_session  DROP CONSTRAINT fk_coopcycle_session_platform_id_platform;
ALTER TABLE inbox_message      DROP CONSTRAINT fk_inbox_message_platform_id_platform;
ALTER TABLE invoice            DROP CONSTRAINT fk_invoice_platform_id_platform;
ALTER TABLE job_failure        DROP CONSTRAINT fk_job_failure_platform_id_platform;
ALTER TABLE oauth_client       DROP CONSTRAINT fk_oauth_client_platform_id_platform;
ALTER TABLE rider              DROP CONSTRAINT fk_rider_platform_id_platform;
ALTER TABLE webhook_secret     DROP CONSTRAINT fk_webhook_secret_platform_id_platform;
ALTER TABLE violation          DROP CONSTRAINT fk_violation_platform_id_platform;
ALTER TABLE contract_event     DROP CONSTRAINT fk_contract_event_platform_id_platform;
ALTER TABLE settlement         DROP CONSTRAINT fk_settlement_platform_id_platform;
ALTER TABLE payout             DROP CONSTRAINT fk_payout_platform_id_platform;
ALTER TABLE declaration        DROP CONSTRAINT fk_declaration_platform_id_platform;
ALTER TABLE outbox_message     DROP CONSTRAINT fk_outbox_message_platform_id_platform;
ALTER TABLE outbox_attempt     DROP CONSTRAINT fk_outbox_attempt_platform_id_platform;
ALTER TABLE contract           DROP CONSTRAINT fk_contract_platform_id_rider;
ALTER TABLE payout             DROP CONSTRAINT fk_payout_platform_id_rider;
ALTER TABLE coopcycle_session  DROP CONSTRAINT fk_coopcycle_session_platform_id_rider;
ALTER TABLE contract_event     DROP CONSTRAINT fk_contract_event_platform_id_contract;
ALTER TABLE violation          DROP CONSTRAINT fk_violation_platform_id_contract;
ALTER TABLE settlement         DROP CONSTRAINT fk_settlement_platform_id_contract;
ALTER TABLE invoice            DROP CONSTRAINT fk_invoice_platform_id_contract;
ALTER TABLE payout             DROP CONSTRAINT fk_payout_platform_id_contract;
ALTER TABLE declaration        DROP CONSTRAINT fk_declaration_platform_id_contract;
ALTER TABLE outbox_message     DROP CONSTRAINT fk_outbox_message_platform_id_contract;
ALTER TABLE outbox_message     DROP CONSTRAINT fk_outbox_message_platform_id_callback_endpoint;
ALTER TABLE outbox_attempt     DROP CONSTRAINT fk_outbox_attempt_platform_id_outbox_message;
ALTER TABLE coopcycle_delivery DROP CONSTRAINT fk_coopcycle_delivery_platform_id_coopcycle_session;

-- B2. Reference tables: a full copy on every node; small, read on almost every request, rarely written.
SELECT create_reference_table('platform');
SELECT create_reference_table('webhook_secret');
SELECT create_reference_table('api_credential');
SELECT create_reference_table('oauth_client');
SELECT create_reference_table('coopcycle_account');
SELECT create_reference_table('staff_member');
SELECT create_reference_table('job_failure');

-- B3. Distributed by platform_id, all in contract's co-location group: a platform's rows of every table live
-- in shards with the same hash range, on the same node. 32 shards is Citus's default, said out loud because
-- every table of the group must have the same count.
SELECT create_distributed_table('contract', 'platform_id', colocate_with => 'none', shard_count => 32);
SELECT create_distributed_table('rider', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('inbox_message', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('contract_event', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('violation', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('settlement', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('invoice', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('payout', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('declaration', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('outbox_message', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('outbox_attempt', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('callback_endpoint', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('coopcycle_session', 'platform_id', colocate_with => 'contract');
SELECT create_distributed_table('coopcycle_delivery', 'platform_id', colocate_with => 'contract');

-- B4. Local tables, one copy on the coordinator, known to Citus (so that any node can reach them and they may
-- reference reference tables). The guarantee fund's ledger is one of them: docs/scaling.md says why.
SELECT citus_add_local_table_to_metadata('ledger_entry');
SELECT citus_add_local_table_to_metadata('audit_entry');
SELECT citus_add_local_table_to_metadata('rider_link_use');
-- alembic_version stays a plain table on the coordinator: only Alembic reads it, and only there.

-- ============================================================================================================
-- C. Foreign keys back (Citus propagates each to the shards and checks it).
-- ============================================================================================================
-- C1. Reference -> reference: any action, ON DELETE SET NULL included.
ALTER TABLE webhook_secret    ADD CONSTRAINT fk_webhook_secret_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE CASCADE;
ALTER TABLE api_credential    ADD CONSTRAINT fk_api_credential_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE CASCADE;
ALTER TABLE oauth_client      ADD CONSTRAINT fk_oauth_client_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE CASCADE;
ALTER TABLE coopcycle_account ADD CONSTRAINT fk_coopcycle_account_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE CASCADE;
ALTER TABLE job_failure       ADD CONSTRAINT fk_job_failure_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE SET NULL;

-- C2. Distributed -> reference, on the distribution column: CASCADE and RESTRICT are allowed; SET NULL, SET
-- DEFAULT and ON UPDATE CASCADE would not be (none is used).
ALTER TABLE rider              ADD CONSTRAINT fk_rider_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE contract           ADD CONSTRAINT fk_contract_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE inbox_message      ADD CONSTRAINT fk_inbox_message_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE invoice            ADD CONSTRAINT fk_invoice_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE callback_endpoint  ADD CONSTRAINT fk_callback_endpoint_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE CASCADE;
ALTER TABLE coopcycle_session  ADD CONSTRAINT fk_coopcycle_session_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE coopcycle_delivery ADD CONSTRAINT fk_coopcycle_delivery_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE violation          ADD CONSTRAINT fk_violation_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE contract_event     ADD CONSTRAINT fk_contract_event_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE settlement         ADD CONSTRAINT fk_settlement_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE payout             ADD CONSTRAINT fk_payout_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE declaration        ADD CONSTRAINT fk_declaration_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE outbox_message     ADD CONSTRAINT fk_outbox_message_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;
ALTER TABLE outbox_attempt     ADD CONSTRAINT fk_outbox_attempt_platform_id_platform
    FOREIGN KEY (platform_id) REFERENCES platform (id) ON DELETE RESTRICT;

-- C3. Distributed -> distributed, co-located, platform_id first on both sides: exactly A4's keys.
ALTER TABLE contract           ADD CONSTRAINT fk_contract_platform_id_rider
    FOREIGN KEY (platform_id, rider_id) REFERENCES rider (platform_id, id) ON DELETE RESTRICT;
ALTER TABLE payout             ADD CONSTRAINT fk_payout_platform_id_rider
    FOREIGN KEY (platform_id, rider_id) REFERENCES rider (platform_id, id) ON DELETE RESTRICT;
ALTER TABLE coopcycle_session  ADD CONSTRAINT fk_coopcycle_session_platform_id_rider
    FOREIGN KEY (platform_id, rider_id) REFERENCES rider (platform_id, id) ON DELETE RESTRICT;
ALTER TABLE contract_event     ADD CONSTRAINT fk_contract_event_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE violation          ADD CONSTRAINT fk_violation_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE settlement         ADD CONSTRAINT fk_settlement_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE invoice            ADD CONSTRAINT fk_invoice_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE payout             ADD CONSTRAINT fk_payout_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE declaration        ADD CONSTRAINT fk_declaration_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE outbox_message     ADD CONSTRAINT fk_outbox_message_platform_id_contract
    FOREIGN KEY (platform_id, contract_id) REFERENCES contract (platform_id, id) ON DELETE CASCADE;
ALTER TABLE outbox_message     ADD CONSTRAINT fk_outbox_message_platform_id_callback_endpoint
    FOREIGN KEY (platform_id, endpoint_id) REFERENCES callback_endpoint (platform_id, id) ON DELETE CASCADE;
ALTER TABLE outbox_attempt     ADD CONSTRAINT fk_outbox_attempt_platform_id_outbox_message
    FOREIGN KEY (platform_id, message_id) REFERENCES outbox_message (platform_id, id) ON DELETE CASCADE;
ALTER TABLE coopcycle_delivery ADD CONSTRAINT fk_coopcycle_delivery_platform_id_coopcycle_session
    FOREIGN KEY (platform_id, session_id) REFERENCES coopcycle_session (platform_id, id) ON DELETE RESTRICT;

-- Not re-created, by design: ledger_entry.contract_id -> contract (a local table may not reference a distributed
-- one). rider_link_use.rider_id and audit_entry never had a foreign key.
