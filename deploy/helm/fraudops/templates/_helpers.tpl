{{/* Names, labels and the few decisions more than one template needs (which autoscaler, which image). */}}

{{- define "fraudops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fraudops.fullname" -}}
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

{{/* Name of one component's objects: <fullname>-<component>, within the 63 characters a label allows. */}}
{{- define "fraudops.componentName" -}}
{{- printf "%s-%s" (include "fraudops.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fraudops.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "fraudops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "fraudops.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: fraudops
{{- end }}

{{/* Selector labels of one component; call with (dict "root" $ "component" "scorer"). */}}
{{- define "fraudops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fraudops.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "fraudops.componentLabels" -}}
{{ include "fraudops.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "fraudops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fraudops.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "fraudops.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "fraudops.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "fraudops.imageTag" .) }}
{{- end }}
{{- end }}

{{/*
The scorer's autoscaler: keda, hpa or none. Exactly one answer, so the KEDA ScaledObject and the HPA can never
both render. KEDA counts as present when the cluster serves keda.sh/v1alpha1 (helm reads the cluster's API
list; `helm template` takes it from --api-versions).
*/}}
{{- define "fraudops.autoscaler" -}}
{{- $mode := .Values.autoscaling.mode }}
{{- $keda := or (.Capabilities.APIVersions.Has "keda.sh/v1alpha1/ScaledObject") (.Capabilities.APIVersions.Has "keda.sh/v1alpha1") }}
{{- if eq $mode "auto" }}
{{- ternary "keda" "hpa" $keda }}
{{- else if eq $mode "keda" }}
{{- if not $keda }}
{{- fail "autoscaling.mode is keda but this cluster has no keda.sh/v1alpha1 API: install KEDA first, or set autoscaling.mode to auto or hpa" }}
{{- end }}
{{- "keda" }}
{{- else if or (eq $mode "hpa") (eq $mode "none") }}
{{- $mode }}
{{- else }}
{{- fail (printf "autoscaling.mode must be auto, keda, hpa or none, not %q" $mode) }}
{{- end }}
{{- end }}

{{/* The Secret holding the Kafka SASL username and password. */}}
{{- define "fraudops.kafkaSecretName" -}}
{{- if .Values.kafka.sasl.existingSecret }}
{{- .Values.kafka.sasl.existingSecret }}
{{- else }}
{{- include "fraudops.componentName" (dict "root" . "component" "kafka") }}
{{- end }}
{{- end }}

{{/* Environment shared by every fraudops container: the config file, Kafka credentials, extra variables. */}}
{{- define "fraudops.env" -}}
- name: NODE_ENV
  value: production
- name: FRAUDOPS_CONFIG
  value: /etc/fraudops/fraudops.json
{{- if eq .Values.kafka.security "sasl_ssl" }}
- name: FRAUDOPS_KAFKA_SECURITY
  value: sasl_ssl
- name: FRAUDOPS_KAFKA_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "fraudops.kafkaSecretName" . }}
      key: username
- name: FRAUDOPS_KAFKA_PASSWORD_FILE
  value: /etc/fraudops-kafka/password
{{- if .Values.kafka.caSecret }}
- name: FRAUDOPS_KAFKA_CA
  value: /etc/fraudops-kafka-ca/ca.crt
{{- end }}
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* The pipeline's PostgreSQL URL (its runs and the workflow engine's state), from a Secret. */}}
{{- define "fraudops.pipelineDatabaseEnv" -}}
{{- if not .Values.scheduler.databaseSecret }}
{{- fail (printf "scheduler.mode %s needs scheduler.databaseSecret: a Secret whose key `url` is the pipeline's postgresql:// URL" .Values.scheduler.mode) }}
{{- end }}
- name: FRAUDOPS_PIPELINE_DB
  valueFrom:
    secretKeyRef:
      name: {{ .Values.scheduler.databaseSecret }}
      key: url
{{- end }}

{{- define "fraudops.envFrom" -}}
{{- range .Values.envFromSecrets }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end }}

{{/* Volumes every fraudops pod mounts: the config, writable scratch (the root filesystem is read-only), the CA. */}}
{{- define "fraudops.volumes" -}}
- name: config
  configMap:
    name: {{ include "fraudops.fullname" . }}
- name: tmp
  emptyDir: {}
- name: cache
  emptyDir: {}
{{- if eq .Values.kafka.security "sasl_ssl" }}
- name: kafka-password
  secret:
    secretName: {{ include "fraudops.kafkaSecretName" . }}
    defaultMode: 0440
    items:
      - key: password
        path: password
{{- if .Values.kafka.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.caSecret }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end }}
{{- end }}

{{- define "fraudops.volumeMounts" -}}
- name: config
  mountPath: /etc/fraudops
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: cache
  mountPath: /home/fraudops/.cache
{{- if eq .Values.kafka.security "sasl_ssl" }}
- name: kafka-password
  mountPath: /etc/fraudops-kafka
  readOnly: true
{{- if .Values.kafka.caSecret }}
- name: kafka-ca
  mountPath: /etc/fraudops-kafka-ca
  readOnly: true
{{- end }}
{{- end }}
{{- end }}
