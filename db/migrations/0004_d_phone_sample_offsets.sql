-- The UTC offset (minutes) the phone wrote on a sample's end time, so the sample is dated on the
-- wall clock it was recorded on, whatever the profile's time zone is later. NULL when the upload
-- gave no offset ("Z"): such samples are dated in the profile's zone and re-dated when it changes.
ALTER TABLE phone_samples ADD COLUMN utc_offset_min smallint CHECK (utc_offset_min BETWEEN -1080 AND 1080);
