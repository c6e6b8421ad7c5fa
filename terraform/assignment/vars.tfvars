# Values for `terraform plan/apply -var-file="vars.tfvars"`. Placeholders only: never commit an
# account id, access key or secret here (credentials stay in your AWS CLI profile).

# Your AWS user name: every resource name starts with "<project>-<candidate_name>".
# Letters, digits and single '-' or '_' (lower-cased, '_' becomes '-'), at most 20 characters.
candidate_name = "your-name"

# The AWS CLI profile holding your credentials (`aws configure --profile <name>`).
aws_profile = "your-aws-profile"

region_name = "us-west-2"
env         = "dev"
project     = "nmd-assignment"

# Set after the first, targeted apply and the image push (see ../README.md); digest form only:
# image_uri = "<account>.dkr.ecr.us-west-2.amazonaws.com/nmd-assignment-your-name@sha256:<64 hex>"

# Optional: e-mail address for the alarms (an SNS subscription to confirm).
# alarm_email = "you@example.com"
