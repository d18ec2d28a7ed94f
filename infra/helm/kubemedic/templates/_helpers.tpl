{{/* Names, labels and shared values of the kubemedic chart. */}}

{{- define "kubemedic.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name alone when it already contains the chart's. */}}
{{- define "kubemedic.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kubemedic.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kubemedic.labels" -}}
helm.sh/chart: {{ include "kubemedic.chart" . }}
app.kubernetes.io/name: {{ include "kubemedic.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubemedic
{{- end }}

{{/* Selector labels of the bot's pods. */}}
{{- define "kubemedic.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubemedic.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: bot
{{- end }}

{{/* Selector labels of the bundled Redis. */}}
{{- define "kubemedic.redis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubemedic.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "kubemedic.redis.fullname" -}}
{{- printf "%s-redis" (include "kubemedic.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The diagnosis identity: the pod's ServiceAccount. */}}
{{- define "kubemedic.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kubemedic.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The remediation identity: a second ServiceAccount, whose short-lived tokens the bot mints. */}}
{{- define "kubemedic.remediationServiceAccountName" -}}
{{- default (printf "%s-remediation" (include "kubemedic.fullname" .)) .Values.remediation.serviceAccount.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret the pod's envFrom reads: the user's, or the one this chart creates. */}}
{{- define "kubemedic.secretName" -}}
{{- default (include "kubemedic.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/* The keys of the credentials Secret the chart creates: the variable names the app reads. */}}
{{- define "kubemedic.secretData" -}}
{{- $s := .Values.secret }}
{{- $data := dict }}
{{- if $s.slackBotToken }}{{ $_ := set $data "SLACK_BOT_TOKEN" $s.slackBotToken }}{{ end }}
{{- if $s.slackSigningSecret }}{{ $_ := set $data "SLACK_SIGNING_SECRET" $s.slackSigningSecret }}{{ end }}
{{- if $s.slackAppToken }}{{ $_ := set $data "SLACK_APP_TOKEN" $s.slackAppToken }}{{ end }}
{{- if $s.alertmanagerToken }}{{ $_ := set $data "ALERTMANAGER_TOKEN" $s.alertmanagerToken }}
{{- else }}
{{- /* The webhook never runs open: a random bearer token, kept across upgrades by reading the
     Secret already installed (lookup is empty in `helm template`, so that renders a new one). */}}
{{- $installed := lookup "v1" "Secret" .Release.Namespace (include "kubemedic.fullname" .) }}
{{- $old := "" }}
{{- if $installed }}{{ $old = index ($installed.data | default dict) "ALERTMANAGER_TOKEN" | default "" }}{{ end }}
{{- if $old }}{{ $_ := set $data "ALERTMANAGER_TOKEN" (b64dec $old) }}
{{- else }}{{ $_ := set $data "ALERTMANAGER_TOKEN" (randAlphaNum 40) }}
{{- end }}
{{- end }}
{{- if $s.redisUrl }}{{ $_ := set $data "REDIS_URL" $s.redisUrl }}{{ end }}
{{- toYaml $data }}
{{- end }}

{{/* The Secret and key holding the bundled Redis' password, if it has one. */}}
{{- define "kubemedic.redis.passwordSecret" -}}
{{- if .Values.redis.auth.existingSecret -}}
{{ .Values.redis.auth.existingSecret }}
{{- else -}}
{{ include "kubemedic.fullname" . }}-redis
{{- end }}
{{- end }}

{{/* The bundled Redis' password: the given one, else the one already installed (kept across
     upgrades), else a new random one. Redis never runs without a password. */}}
{{- define "kubemedic.redis.password" -}}
{{- if .Values.redis.auth.password -}}
{{ .Values.redis.auth.password }}
{{- else -}}
{{- $installed := lookup "v1" "Secret" .Release.Namespace (printf "%s-redis" (include "kubemedic.fullname" .)) }}
{{- $old := "" }}
{{- if $installed }}{{ $old = index ($installed.data | default dict) "redis-password" | default "" }}{{ end }}
{{- if $old }}{{ b64dec $old }}{{ else }}{{ randAlphaNum 40 }}{{ end }}
{{- end }}
{{- end }}

{{- define "kubemedic.redis.passwordKey" -}}
{{- if .Values.redis.auth.existingSecret -}}
{{ .Values.redis.auth.existingSecretKey }}
{{- else -}}
redis-password
{{- end }}
{{- end }}

{{- define "kubemedic.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The name a ClusterRole from files/rbac gets in this release: kubemedic-x -> <fullname>-x. */}}
{{- define "kubemedic.clusterRoleName" -}}
{{- $root := index . 0 }}
{{- $fileName := index . 1 }}
{{- printf "%s-%s" (include "kubemedic.fullname" $root) (trimPrefix "kubemedic-" $fileName) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The ClusterRoles defined by files/rbac/*.yaml, parsed: a list of dicts {file, doc}. Documents
may be separated by "---"; empty documents are skipped.
*/}}
{{- define "kubemedic.rbacDocuments" -}}
{{- $docs := list }}
{{- range $path, $_ := .Files.Glob "files/rbac/*.{yaml,yml}" }}
{{- range $i, $text := regexSplit "(?m)^---[ \t]*$" ($.Files.Get $path) -1 }}
{{- $doc := fromYaml $text }}
{{- if hasKey $doc "Error" }}
{{- fail (printf "%s: document %d is not valid YAML: %s" $path $i (get $doc "Error")) }}
{{- end }}
{{- if $doc.kind }}
{{- $docs = append $docs (dict "file" $path "doc" $doc) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml (dict "items" $docs) }}
{{- end }}

{{/* mode: what the release runs. The bot Deployment: all-in-one, hub or both; an agent: agent or both. */}}
{{- define "kubemedic.runsBot" -}}
{{- if ne .Values.mode "agent" }}true{{ end }}
{{- end }}

{{- define "kubemedic.runsAgent" -}}
{{- if has .Values.mode (list "agent" "both") }}true{{ end }}
{{- end }}

{{/* Cluster identities (ClusterRoles, the remediation token): all-in-one and agents only; a hub holds none. */}}
{{- define "kubemedic.hasClusterIdentity" -}}
{{- if ne .Values.mode "hub" }}true{{ end }}
{{- end }}

{{/* Selector labels of the agent's pods (apart from the bot's, so its Service never selects them). */}}
{{- define "kubemedic.agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubemedic.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end }}
