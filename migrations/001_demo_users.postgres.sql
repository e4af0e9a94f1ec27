CREATE TABLE rampart_demo_users (
    user_id BIGINT PRIMARY KEY REFERENCES res_users(id) ON DELETE CASCADE
)
--;
INSERT INTO rampart_demo_users (user_id)
SELECT DISTINCT user_id FROM rampart_api_keys WHERE name = 'demo start-up key'
