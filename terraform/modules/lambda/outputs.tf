output "function_name" {
  description = "Function name. Depends on the role policy, so consumers (e.g. an event source mapping) come after the permissions."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified function ARN."
  value       = aws_lambda_function.this.arn
}

output "architectures" {
  description = "Instruction set of the function (must match the image platform)."
  value       = aws_lambda_function.this.architectures
}

output "image_uri" {
  description = "The image the function runs (digest form)."
  value       = aws_lambda_function.this.image_uri
}

output "timeout_seconds" {
  description = "Function timeout in seconds."
  value       = aws_lambda_function.this.timeout
}

output "role_name" {
  description = "Execution role name."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "Execution role ARN."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "CloudWatch Logs group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "Log group ARN without the trailing \":*\" (append it to name the log streams)."
  value       = aws_cloudwatch_log_group.this.arn
}

output "environment_variables" {
  description = "Environment variables of the function (no secrets by design)."
  value       = var.environment_variables
}
