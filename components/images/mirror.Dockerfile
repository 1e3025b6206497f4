# A pinned public image copied as it is into the stack's ECR (the fleet's private subnets reach no other
# registry). SOURCE is the image reference from monitoring-config/images.ts.
ARG SOURCE
FROM ${SOURCE}
